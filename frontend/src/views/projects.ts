/** The projects list, and creating a project (and one's organization first, when needed). */

import { type Organization, type Project, api } from '../api';
import { type ViewContext, loadMe, session } from '../app';
import { h, replace, uid } from '../dom';
import { t } from '../i18n';
import { announce, busy, errorMessage, feedback, field, flagField } from '../ui';

export function statusBadge(status: Project['status']): HTMLElement {
  return h('span', { class: `badge status-${status}` }, t(`projects.status.${status}`));
}

export async function projectsView(ctx: ViewContext): Promise<void> {
  replace(ctx.main, h('h1', null, t('projects.title')), h('p', { role: 'status' }, t('common.loading')));
  let projects: Project[];
  try {
    projects = await api.projects();
  } catch (error) {
    replace(ctx.main, h('h1', null, t('projects.title')), h('p', { role: 'alert' }, errorMessage(error)));
    return;
  }
  if (ctx.signal.aborted) return;
  const list =
    projects.length === 0
      ? h('p', { class: 'empty' }, t('projects.empty'))
      : h(
          'ul',
          { class: 'project-list' },
          projects.map((p) =>
            h(
              'li',
              { class: 'card' },
              h('h2', null, h('a', { href: `/projects/${encodeURIComponent(p.id)}`, 'data-nav': true }, p.title)),
              statusBadge(p.status),
              p.summary ? h('p', null, p.summary) : null,
            ),
          ),
        );
  replace(ctx.main, h('h1', null, t('projects.title')), list, createSection(ctx));
}

function createSection(ctx: ViewContext): HTMLElement {
  const headingId = uid('create');
  const section = h('section', { class: 'card stack', 'aria-labelledby': headingId });
  const orgs = (session.me?.organizations ?? []).filter((o) => o.role === 'admin' || o.role === 'member' || !o.role);
  if (orgs.length === 0) {
    section.append(h('h2', { id: headingId }, t('org.create')), h('p', null, t('org.needOne')), organizationForm(ctx));
  } else {
    section.append(h('h2', { id: headingId }, t('projects.create')), projectForm(ctx, orgs));
  }
  return section;
}

function organizationForm(ctx: ViewContext): HTMLFormElement {
  const name = field({ label: t('org.field.name'), name: 'name', required: true, maxlength: 200 });
  const kind = field({ label: t('org.field.kind'), name: 'kind' });
  const territory = field({ label: t('org.field.territory'), name: 'territory' });
  const status = feedback();
  const submit = h('button', { type: 'submit', class: 'primary' }, t('org.create'));
  const form = h('form', { class: 'stack' }, name.wrap, kind.wrap, territory.wrap, submit, status.el);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void busy(submit, async () => {
      try {
        const org = await api.createOrganization({
          name: name.input.value.trim(),
          ...(kind.input.value.trim() ? { kind: kind.input.value.trim() } : {}),
          ...(territory.input.value.trim() ? { territory: territory.input.value.trim() } : {}),
        });
        await loadMe();
        announce(t('org.created', { name: org.name }));
        await projectsView(ctx);
        ctx.main.querySelector<HTMLElement>('input[name="title"]')?.focus();
      } catch (error) {
        flagField(form, error);
        status.error(error);
      }
    });
  });
  return form;
}

function projectForm(ctx: ViewContext, orgs: Organization[]): HTMLFormElement {
  const title = field({ label: t('projects.field.title'), name: 'title', required: true, maxlength: 200 });
  const summary = field({ label: t('projects.field.summary'), name: 'summary', multiline: true, rows: 3 });
  const orgId = uid('org');
  const select = h(
    'select',
    { id: orgId, name: 'initiator_organization_id', required: true },
    orgs.map((o) => h('option', { value: o.id }, o.name)),
  );
  const status = feedback();
  const submit = h('button', { type: 'submit', class: 'primary' }, t('projects.createSubmit'));
  const form = h(
    'form',
    { class: 'stack' },
    title.wrap,
    summary.wrap,
    h('div', { class: 'field' }, h('label', { for: orgId }, t('projects.field.initiator')), select),
    submit,
    status.el,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void busy(submit, async () => {
      try {
        const project = await api.createProject({
          title: title.input.value.trim(),
          summary: summary.input.value.trim(),
          initiator_organization_id: select.value,
        });
        announce(t('projects.created', { title: project.title }));
        ctx.navigate(`/projects/${encodeURIComponent(project.id)}`);
      } catch (error) {
        flagField(form, error);
        status.error(error);
      }
    });
  });
  return form;
}

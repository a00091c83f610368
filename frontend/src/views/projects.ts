/** The projects list, and creating a project (and one's organization first, when needed). */

import { ApiError, type Organization, type Project, type TodoItem, api } from '../api';
import { type ViewContext, loadMe, session, shell } from '../app';
import { h, replace, uid } from '../dom';
import { t } from '../i18n';
import { announce, busy, errorMessage, feedback, field, flagField } from '../ui';
import { formatDate } from '../dates';
import { askName } from './account';
import { myMeetingsSection } from './myMeetings';

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
  replace(
    ctx.main,
    h('h1', null, t('projects.title')),
    askName(ctx),
    doneNote(),
    todoSection(ctx),
    myMeetingsSection(ctx),
    membershipNotes(ctx),
    list,
    createSection(ctx),
  );
}

/** What the person has to do, each one click from done: at the top of the home page. */
function todoSection(ctx: ViewContext): HTMLElement {
  const titleId = uid('todo');
  const body = h('div', null, h('p', { role: 'status' }, t('common.loading')));
  void api.todo().then(
    ({ items }) => {
      if (ctx.signal.aborted) return;
      replace(body, items.length === 0 ? h('p', { class: 'empty' }, t('todo.empty')) : h('ul', { class: 'todo-list' }, items.map(todoLine)));
    },
    (error: unknown) => {
      if (!ctx.signal.aborted) replace(body, h('p', { role: 'alert' }, errorMessage(error)));
    },
  );
  return h('section', { class: 'card todo', 'aria-labelledby': titleId }, h('h2', { id: titleId }, t('todo.title')), body);
}

function todoLine(item: TodoItem): HTMLElement {
  const what = t(`todo.kind.${item.kind}`, { title: item.title, organization: item.organization_name ?? '' });
  const about = [item.project_title, item.due ? t('todo.due', { date: formatDate(item.due) }) : null].filter(Boolean).join(' · ');
  return h(
    'li',
    { dataset: { kind: item.kind } },
    h('a', { href: item.url, 'data-nav': true }, what),
    about ? h('span', { class: 'muted block' }, about) : null,
  );
}

/** Where the thanks for a chosen name is shown after the page is drawn again. */
function doneNote(): HTMLElement {
  return feedback('ask-name').el;
}

/** Organizations the user may join at once (a verified domain of theirs), and their requests waiting for an admin. */
function membershipNotes(ctx: ViewContext): HTMLElement | null {
  const me = session.me;
  const joinable = me?.joinable ?? [];
  const pending = me?.pending ?? [];
  if (joinable.length === 0 && pending.length === 0) return null;
  const status = feedback();
  const parts: Array<HTMLElement | null> = [];
  if (joinable.length > 0) {
    parts.push(
      h('h2', null, t('home.joinable')),
      h('p', null, t('home.joinableIntro')),
      h(
        'ul',
        { class: 'requests' },
        joinable.map((o) => {
          const join = h('button', { type: 'button', class: 'primary' }, t('home.join', { org: o.name }));
          join.addEventListener('click', () => {
            void busy(join, async () => {
              try {
                await api.join(o.id);
                await loadMe();
                shell.refresh();
                announce(t('org.joinedActive', { name: o.name }));
                await projectsView(ctx);
              } catch (error) {
                status.error(error);
              }
            });
          });
          return h('li', null, join);
        }),
      ),
    );
  }
  if (pending.length > 0) {
    parts.push(
      h('h2', null, t('home.pending')),
      h(
        'ul',
        { class: 'requests' },
        pending.map((p) => h('li', null, t('home.pendingItem', { org: p.organization.name, date: formatDate(p.requested_at) }))),
      ),
    );
  }
  return h('section', { class: 'card stack membership-notes' }, parts, status.el);
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
  const siren = field({ label: t('org.field.siren'), name: 'siren', autocomplete: 'off' });
  const status = feedback();
  const exists = h('div', { class: 'stack', 'aria-live': 'polite' });
  const submit = h('button', { type: 'submit', class: 'primary' }, t('org.create'));
  const form = h('form', { class: 'stack' }, name.wrap, kind.wrap, territory.wrap, siren.wrap, submit, status.el, exists);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void busy(submit, async () => {
      try {
        exists.replaceChildren();
        const org = await api.createOrganization({
          name: name.input.value.trim(),
          ...(kind.input.value.trim() ? { kind: kind.input.value.trim() } : {}),
          ...(territory.input.value.trim() ? { territory: territory.input.value.trim() } : {}),
          ...(siren.input.value.trim() ? { siren: siren.input.value.trim() } : {}),
        });
        await loadMe();
        announce(t('org.created', { name: org.name }));
        await projectsView(ctx);
        ctx.main.querySelector<HTMLElement>('input[name="title"]')?.focus();
      } catch (error) {
        status.clear();
        const existing = existingOrganization(error);
        if (existing) {
          exists.replaceChildren(h('p', { class: 'notice' }, t('org.exists', { name: existing.name })), askToJoin(ctx, existing));
          return;
        }
        flagField(form, error);
        status.error(error);
      }
    });
  });
  return form;
}

/** The organization a 409 `organization_exists` points to. */
function existingOrganization(error: unknown): { id: string; name: string } | null {
  if (!(error instanceof ApiError) || error.code !== 'organization_exists') return null;
  const org = error.body.organization as { id?: unknown; name?: unknown } | undefined;
  return typeof org?.id === 'string' && typeof org.name === 'string' ? { id: org.id, name: org.name } : null;
}

/** "Ask to join" instead of a look-alike: active at once at a verified domain, else pending. */
function askToJoin(ctx: ViewContext, org: { id: string; name: string }): HTMLElement {
  const status = feedback();
  const ask = h('button', { type: 'button', class: 'secondary' }, t('org.askToJoin', { name: org.name }));
  ask.addEventListener('click', () => {
    void busy(ask, async () => {
      try {
        const membership = await api.join(org.id);
        await loadMe();
        shell.refresh();
        if (membership.status === 'active') {
          announce(t('org.joinedActive', { name: org.name }));
          await projectsView(ctx);
        } else {
          ask.remove();
          status.ok(t('org.joinPending', { name: org.name }));
        }
      } catch (error) {
        status.error(error instanceof ApiError && error.notFound ? t('org.cannotJoin', { name: org.name }) : error);
      }
    });
  });
  return h('div', { class: 'stack' }, ask, status.el);
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

/**
 * A consultation read by its contact (`/consultations/:projectId/:organizationId`). Being named
 * contact does not make anyone a member of the consulted organization: a member is sent on to
 * the project to answer; anyone else reads the project here and may ask to join, which its
 * admins decide.
 */

import { type Consultation, api } from '../api';
import { type ViewContext, loadMe, shell } from '../app';
import { h, replace } from '../dom';
import { t } from '../i18n';
import { announce, busy, errorMessage, feedback } from '../ui';
import { formatDate } from '../dates';

export async function consultationView(ctx: ViewContext): Promise<void> {
  const projectId = ctx.params.projectId!;
  const orgId = ctx.params.organizationId!;
  replace(ctx.main, h('h1', null, t('common.loading')));
  let c: Consultation;
  try {
    c = await api.consultation(projectId, orgId);
  } catch (error) {
    replace(ctx.main, h('h1', null, t('notfound.title')), h('p', { role: 'alert' }, errorMessage(error)));
    return;
  }
  if (ctx.signal.aborted) return;
  const org = c.organization.name;
  const status = feedback();
  const next: Array<Node | null> = [];
  if (c.member) {
    next.push(
      h('p', null, t('consultation.member', { org })),
      h('p', null, h('a', { href: `/projects/${encodeURIComponent(c.project.id)}`, 'data-nav': true, class: 'button primary' }, t('consultation.open'))),
    );
  } else if (c.status !== 'invited') {
    next.push(h('p', null, t('consultation.answered', { status: t(`partners.status.${c.status}`) })));
  } else if (c.join_request?.status === 'pending') {
    next.push(h('p', { class: 'notice' }, t('consultation.pending', { org, date: formatDate(c.join_request.requested_at) })));
  } else {
    if (c.join_request?.status === 'refused') next.push(h('p', { class: 'notice' }, t('consultation.refused', { org })));
    const ask = h('button', { type: 'button', class: 'primary' }, t('consultation.ask', { org }));
    ask.addEventListener('click', () => {
      void busy(ask, async () => {
        try {
          const membership = await api.join(c.organization.id);
          if (membership.status === 'active') {
            await loadMe();
            shell.refresh();
            announce(t('consultation.joined', { org }));
            ctx.navigate(`/projects/${encodeURIComponent(c.project.id)}`);
            return;
          }
          await consultationView(ctx);
          announce(t('consultation.asked', { org }));
          const line = ctx.main.querySelector<HTMLElement>('.feedback');
          if (line) {
            line.dataset.kind = 'ok';
            line.textContent = t('consultation.asked', { org });
          }
        } catch (error) {
          status.error(error);
        }
      });
    });
    next.push(h('p', null, t('consultation.notMember', { org })), ask);
  }
  replace(
    ctx.main,
    h('h1', null, t('consultation.title', { title: c.project.title })),
    h('p', { class: 'lead' }, t('consultation.lead', { initiator: c.initiator.name, org })),
    c.proposed_role ? h('section', { class: 'card stack' }, h('h2', null, t('consultation.role')), h('p', { class: 'prewrap' }, c.proposed_role)) : null,
    h(
      'section',
      { class: 'card stack' },
      h('h2', null, t('consultation.brief')),
      c.brief.trim() ? h('p', { class: 'prewrap' }, c.brief) : h('p', { class: 'empty' }, t('consultation.briefEmpty')),
    ),
    h('section', { class: 'card stack', 'aria-live': 'polite' }, next, status.el),
  );
}

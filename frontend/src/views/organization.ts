/**
 * An organization's members page (`/organizations/:id`): who speaks for it. Members see the
 * members and may leave; admins also decide pending requests, change roles, remove members,
 * invite colleagues and set the verified domains. Every change is the server's to allow (the
 * last admin stays, for instance); this page shows what it answered.
 */

import { type Membership, type MembershipRole, type Organization, ApiError, api } from '../api';
import { type ViewContext, loadMe, session, shell } from '../app';
import { h, replace, uid } from '../dom';
import { t } from '../i18n';
import { sortMembers } from '../membership';
import { announce, busy, confirmDialog, errorMessage, feedback, field, flagField } from '../ui';
import { formatDate } from '../dates';

export async function organizationView(ctx: ViewContext): Promise<void> {
  const id = ctx.params.id!;
  replace(ctx.main, h('h1', null, t('common.loading')));
  let org: Organization;
  let members: Membership[];
  try {
    [org, members] = await Promise.all([api.organization(id), api.members(id)]);
  } catch (error) {
    replace(ctx.main, h('h1', null, t('notfound.title')), h('p', { role: 'alert' }, errorMessage(error)));
    return;
  }
  if (ctx.signal.aborted) return;
  const me = session.me!;
  const admin = org.role === 'admin';
  const status = feedback();
  const redraw = async (message?: string) => {
    await organizationView(ctx);
    if (message) {
      announce(message);
      const line = ctx.main.querySelector<HTMLElement>('.page-feedback');
      if (line) {
        line.textContent = message;
        line.dataset.kind = 'ok';
      }
    }
  };
  const { active, pending } = sortMembers(members, me.user.id);

  const memberRows = active.map((m) => {
    const you = m.user_id === me.user.id;
    const roleCell = admin ? roleSelect(org, m, status, redraw) : t(`members.role.${m.role}`);
    const action = you
      ? h('button', { type: 'button', class: 'secondary', onclick: () => void leave(ctx, org, m, status) }, t('members.leave', { org: org.name }))
      : admin
        ? h(
            'button',
            {
              type: 'button',
              class: 'secondary',
              'aria-label': t('members.removeFor', { name: m.display_name }),
              onclick: () => void remove(org, m, status, redraw),
            },
            t('members.remove'),
          )
        : null;
    return h(
      'tr',
      { dataset: { user: m.user_id } },
      h('th', { scope: 'row' }, m.display_name, you ? h('span', { class: 'muted' }, ` ${t('members.you')}`) : null),
      h('td', { class: 'email' }, m.email),
      h('td', null, roleCell),
      h('td', null, action),
    );
  });
  const table = h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { class: 'members' },
      h(
        'thead',
        null,
        h(
          'tr',
          null,
          h('th', { scope: 'col' }, t('members.col.name')),
          h('th', { scope: 'col' }, t('members.col.email')),
          h('th', { scope: 'col' }, t('members.col.role')),
          h('th', { scope: 'col' }, t('members.col.actions')),
        ),
      ),
      h('tbody', null, memberRows),
    ),
  );

  const sections: HTMLElement[] = [section(t('members.heading'), h('p', null, t('members.intro', { name: org.name })), table)];
  if (admin) {
    sections.push(pendingSection(org, pending, status, redraw));
    sections.push(inviteSection(org));
  }
  sections.push(domainsSection(org, admin, me.user.email, redraw));

  replace(
    ctx.main,
    h('h1', null, t('members.title', { name: org.name })),
    h(
      'p',
      { class: 'lead' },
      t('members.yourRole', { role: t(`members.role.${(org.role ?? 'member') as MembershipRole}`) }),
      org.siren ? h('span', { class: 'muted' }, ` · ${t('members.siren', { siren: org.siren })}`) : null,
    ),
    h('p', { class: 'feedback page-feedback', role: 'status', 'aria-live': 'polite' }),
    status.el,
    sections,
  );
}

function section(title: string, ...children: Array<Node | null>): HTMLElement {
  const id = uid('section');
  return h('section', { class: 'card stack', 'aria-labelledby': id }, h('h2', { id }, title), children);
}

function roleSelect(org: Organization, m: Membership, status: ReturnType<typeof feedback>, redraw: (message?: string) => Promise<void>): HTMLElement {
  const select = h(
    'select',
    { 'aria-label': t('members.roleFor', { name: m.display_name }), dataset: { focusKey: `role-${m.user_id}` } },
    (['member', 'admin'] as const).map((role) => h('option', { value: role }, t(`members.role.${role}`))),
  );
  select.value = m.role;
  select.addEventListener('change', () => {
    const role = select.value as MembershipRole;
    select.disabled = true;
    void api
      .setMemberRole(org.id, m.user_id, role)
      .then(async () => {
        await loadMe();
        shell.refresh();
        await redraw(t('members.roleChanged', { name: m.display_name, role: t(`members.role.${role}`) }));
      })
      .catch((error: unknown) => {
        select.value = m.role;
        select.disabled = false;
        status.error(error);
      });
  });
  return select;
}

async function remove(org: Organization, m: Membership, status: ReturnType<typeof feedback>, redraw: (message?: string) => Promise<void>): Promise<void> {
  const ok = await confirmDialog(
    t('members.removeConfirm', { name: m.display_name, org: org.name }),
    [h('p', null, t('members.removeBody', { name: m.display_name, org: org.name }))],
    t('members.remove'),
  );
  if (!ok) return;
  try {
    await api.removeMember(org.id, m.user_id);
    await redraw(t('members.removed', { name: m.display_name, org: org.name }));
  } catch (error) {
    status.error(error);
  }
}

async function leave(ctx: ViewContext, org: Organization, m: Membership, status: ReturnType<typeof feedback>): Promise<void> {
  const ok = await confirmDialog(
    t('members.leaveConfirm', { org: org.name }),
    [h('p', null, t('members.leaveBody', { org: org.name }))],
    t('members.leave', { org: org.name }),
  );
  if (!ok) return;
  try {
    await api.removeMember(org.id, m.user_id);
    await loadMe();
    shell.refresh();
    announce(t('members.left', { org: org.name }));
    ctx.navigate('/');
  } catch (error) {
    status.error(error);
  }
}

function pendingSection(
  org: Organization,
  pending: Membership[],
  status: ReturnType<typeof feedback>,
  redraw: (message?: string) => Promise<void>,
): HTMLElement {
  if (pending.length === 0) return section(t('members.pending'), h('p', { class: 'empty' }, t('members.pendingNone')));
  const decide = (m: Membership, decision: 'approve' | 'refuse', button: HTMLButtonElement) =>
    void busy(button, async () => {
      try {
        await api.decideMember(org.id, m.user_id, decision);
        await redraw(t(decision === 'approve' ? 'members.approved' : 'members.refused', { name: m.display_name, org: org.name }));
      } catch (error) {
        status.error(error);
        if (error instanceof ApiError && error.code === 'invalid_transition') await redraw();
      }
    });
  const items = pending.map((m) => {
    const approve = h('button', { type: 'button', class: 'primary', 'aria-label': t('members.approveFor', { name: m.display_name }) }, t('members.approve'));
    const refuse = h('button', { type: 'button', class: 'secondary', 'aria-label': t('members.refuseFor', { name: m.display_name }) }, t('members.refuse'));
    approve.addEventListener('click', () => decide(m, 'approve', approve));
    refuse.addEventListener('click', () => decide(m, 'refuse', refuse));
    return h(
      'li',
      { class: 'request', dataset: { user: m.user_id } },
      h(
        'p',
        null,
        h('strong', null, m.display_name),
        ` — ${m.email}`,
        m.requested_at ? h('span', { class: 'muted' }, ` (${t('members.requestedAt', { date: formatDate(m.requested_at) })})`) : null,
      ),
      h('div', { class: 'actions' }, approve, refuse),
    );
  });
  return section(t('members.pending'), h('p', null, t('members.pendingIntro', { org: org.name })), h('ul', { class: 'requests' }, items));
}

function inviteSection(org: Organization): HTMLElement {
  const email = field({ label: t('members.inviteEmail'), name: 'email', type: 'email', required: true, autocomplete: 'off' });
  const roleId = uid('role');
  const role = h(
    'select',
    { id: roleId, name: 'role' },
    (['member', 'admin'] as const).map((r) => h('option', { value: r }, t(`members.role.${r}`))),
  );
  const status = feedback();
  const submit = h('button', { type: 'submit', class: 'primary' }, t('members.inviteSubmit'));
  const form = h(
    'form',
    { class: 'stack' },
    email.wrap,
    h('div', { class: 'field' }, h('label', { for: roleId }, t('members.inviteRole')), role),
    submit,
    status.el,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void busy(submit, async () => {
      try {
        const sent = await api.inviteColleague(org.id, email.input.value.trim(), role.value as MembershipRole);
        status.ok(t('members.invited', { email: sent.email }));
        email.input.value = '';
      } catch (error) {
        flagField(form, error);
        status.error(error);
      }
    });
  });
  return section(t('members.invite'), h('p', null, t('members.inviteIntro', { org: org.name })), form);
}

function domainsSection(org: Organization, admin: boolean, myEmail: string, redraw: (message?: string) => Promise<void>): HTMLElement {
  const domains = org.domains ?? [];
  const status = feedback();
  const save = async (next: string[], button: HTMLButtonElement) =>
    busy(button, async () => {
      try {
        await api.setDomains(org.id, next);
        await redraw(t('members.domainsSaved'));
      } catch (error) {
        status.error(error);
      }
    });
  const list =
    domains.length === 0
      ? h('p', { class: 'empty' }, t('members.domainsNone'))
      : h(
          'ul',
          { class: 'domains' },
          domains.map((d) => {
            const removeButton = admin ? h('button', { type: 'button', class: 'link', 'aria-label': t('members.domainRemove', { domain: d }) }, '✕') : null;
            removeButton?.addEventListener(
              'click',
              () =>
                void save(
                  domains.filter((x) => x !== d),
                  removeButton,
                ),
            );
            return h('li', null, h('code', null, d), removeButton ? ' ' : null, removeButton);
          }),
        );
  const mine = myEmail.split('@')[1] ?? '';
  const add = admin && mine && !domains.includes(mine) ? h('button', { type: 'button', class: 'secondary' }, t('members.domainAdd', { domain: mine })) : null;
  add?.addEventListener('click', () => void save([...domains, mine], add));
  return section(t('members.domains'), h('p', null, t('members.domainsIntro', { org: org.name })), list, add, status.el);
}

/**
 * The project page: the consultation panel for an invited partner, partners and their status
 * (invite and withdraw for the initiator), the live document (brief and missions, with
 * agreements), the meetings, the printable sheet.
 */

import { type Partnership, type ProjectDetail, api } from '../api';
import { type ViewContext, onChange, liveSession, session } from '../app';
import { h, replace, uid } from '../dom';
import { getLocale, t } from '../i18n';
import { browserZone, describeSlot } from '../slots';
import { announce, busy, confirmDialog, errorMessage, feedback, field, flagField } from '../ui';
import { askName } from './account';
import { connectionBar } from './connection';
import { attestationsSection, fillReceipts, receiptsSlot } from './proof';
import { projectTimeSection } from './projectTime';
import { statusBadge } from './projects';
import { sectionEditor } from './section';

export async function projectView(ctx: ViewContext): Promise<void> {
  const id = ctx.params.id!;
  replace(ctx.main, h('h1', null, t('common.loading')));
  let project: ProjectDetail;
  let partners: Partnership[];
  try {
    [project, partners] = await Promise.all([api.project(id), api.partners(id)]);
  } catch (error) {
    replace(ctx.main, h('h1', null, t('notfound.title')), h('p', { role: 'alert' }, errorMessage(error)), backLink());
    return;
  }
  if (ctx.signal.aborted) return;
  const live = await liveSession(id);
  if (ctx.signal.aborted) return;

  const me = session.me!;
  const mine = new Map((project.my_organizations ?? []).map((o) => [o.organization_id, o.status]));
  const myOrgName = me.organizations.find((o) => mine.has(o.id))?.name ?? me.organizations[0]?.name ?? '';
  live.setUser(me.user.display_name, myOrgName, me.user.id);
  const names = new Map(partners.map((p) => [p.organization_id, p.organization_name]));
  connectionBar(ctx, live, (key) => sectionLabel(key, names));
  const initiatorName = names.get(project.initiator_organization_id) ?? '';

  const consulted = partners.filter((p) => mine.get(p.organization_id) === 'invited' && p.status === 'invited');
  const documentPartners = partners.filter((p) => p.status === 'accepted' || p.status === 'invited');

  replace(
    ctx.main,
    h('p', { class: 'crumbs' }, h('a', { href: '/', 'data-nav': true }, t('project.backToList'))),
    h('h1', null, project.title),
    askName(ctx),
    feedback('ask-name').el,
    h('p', { class: 'meta-line' }, statusBadge(project.status), ' ', t('common.labelled', { label: t('project.initiator'), value: initiatorName })),
    project.summary ? h('p', { class: 'summary' }, project.summary) : null,
    project.is_initiator && project.status !== 'closed' ? editProject(ctx, project) : null,
    h(
      'p',
      { class: 'links' },
      h('a', { href: api.sheetUrl(id, getLocale()), target: '_blank', rel: 'noopener' }, t('project.sheet')),
      ' · ',
      h('a', { href: `/projects/${encodeURIComponent(id)}/decisions`, 'data-nav': true }, t('register.link')),
    ),
    consulted.map((p) => consultationPanel(ctx, project, p, initiatorName)),
    partnersSection(ctx, project, partners),
    project.is_initiator ? attestationsSection(ctx, project) : null,
    h(
      'section',
      { class: 'document', 'aria-labelledby': 'doc-title' },
      h('h2', { id: 'doc-title' }, t('doc.title')),
      sectionEditor(ctx, { projectId: id, live, kind: 'brief', canAgree: false, mustAcceptFirst: false }),
      documentPartners.map((p) =>
        sectionEditor(ctx, {
          projectId: id,
          live,
          kind: 'mission',
          organizationId: p.organization_id,
          organizationName: p.organization_name,
          canAgree: mine.get(p.organization_id) === 'accepted' && p.status === 'accepted',
          mustAcceptFirst: mine.get(p.organization_id) === 'invited',
        }),
      ),
    ),
    meetingsSection(ctx, project),
    projectTimeSection(ctx, project, partners),
  );
}

/** The initiator renames the project or rewrites its summary (a folded form under the title). */
function editProject(ctx: ViewContext, project: ProjectDetail): HTMLElement {
  const title = field({ label: t('projects.field.title'), name: 'title', required: true, value: project.title, maxlength: 300 });
  const summary = field({ label: t('projects.field.summary'), name: 'summary', multiline: true, rows: 3, value: project.summary });
  const notice = field({
    label: t('field.min_notice_days'),
    name: 'min_notice_days',
    type: 'number',
    required: true,
    min: 0,
    max: 365,
    value: String(project.min_notice_days),
    help: t('time.project.minNoticeHelp'),
  });
  const status = feedback('project-edit');
  const submit = h('button', { type: 'submit', class: 'primary', dataset: { focusKey: 'project-edit' } }, t('common.save'));
  const form = h('form', { class: 'stack' }, title.wrap, summary.wrap, notice.wrap, submit, status.el);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void busy(submit, async () => {
      try {
        await api.updateProject(project.id, { title: title.input.value.trim(), summary: summary.input.value, min_notice_days: Number(notice.input.value) });
        ctx.redraw({ key: 'project-edit', text: t('project.edited'), focus: 'project-edit' });
      } catch (error) {
        flagField(form, error);
        status.error(error);
      }
    });
  });
  return h('details', { class: 'edit-project', open: status.el.textContent !== '' }, h('summary', null, t('project.edit')), form);
}

function backLink(): HTMLElement {
  return h('p', null, h('a', { href: '/', 'data-nav': true }, t('project.backToList')));
}

export function sectionLabel(key: string, names: Map<string, string>): string {
  if (key === 'brief') return t('doc.brief');
  if (key.startsWith('mission:')) return t('doc.mission', { organization: names.get(key.slice(8)) ?? '' });
  if (key.startsWith('agenda:')) return t('agenda.title');
  return key;
}

function consultationPanel(ctx: ViewContext, project: ProjectDetail, partnership: Partnership, initiatorName: string): HTMLElement {
  const org = partnership.organization_name;
  const titleId = uid('consulted');
  const comment = field({ label: t('consulted.comment'), name: 'comment', multiline: true, rows: 3 });
  const status = feedback();
  const accept = h('button', { type: 'button', class: 'primary' }, t('consulted.accept', { organization: org }));
  const decline = h('button', { type: 'button', class: 'secondary' }, t('consulted.decline', { organization: org }));
  const answer = (decision: 'accept' | 'decline', button: HTMLButtonElement) =>
    void busy(button, async () => {
      try {
        await api.answer(project.id, partnership.organization_id, decision, comment.input.value.trim() || undefined);
        const said = t(decision === 'accept' ? 'consulted.accepted' : 'consulted.declined', { organization: org });
        announce(said);
        // The panel goes (the consultation is answered): the partners' list says it instead.
        ctx.redraw({ key: 'partners', text: said });
      } catch (error) {
        status.error(error);
      }
    });
  accept.addEventListener('click', () => answer('accept', accept));
  decline.addEventListener('click', () => answer('decline', decline));
  return h(
    'section',
    { class: 'consulted card', 'aria-labelledby': titleId },
    h('h2', { id: titleId }, t('consulted.title')),
    h('p', null, t('consulted.text', { initiator: initiatorName, organization: org })),
    partnership.proposed_role ? h('p', null, t('partners.role', { role: partnership.proposed_role })) : null,
    comment.wrap,
    h('div', { class: 'actions' }, accept, decline),
    status.el,
  );
}

function partnersSection(ctx: ViewContext, project: ProjectDetail, initial: Partnership[]): HTMLElement {
  const titleId = uid('partners');
  const list = h('ul', { class: 'partners' });
  const status = feedback('partners');
  let lastKey = '';
  const render = (partners: Partnership[]) => {
    const key = JSON.stringify(partners);
    if (key === lastKey) return;
    lastKey = key;
    const hadFocus = list.contains(document.activeElement);
    replace(
      list,
      partners.map((p) => {
        const isInitiator = p.organization_id === project.initiator_organization_id;
        const canWithdraw = project.is_initiator && !isInitiator && (p.status === 'invited' || p.status === 'accepted');
        const withdraw = canWithdraw
          ? h('button', { type: 'button', class: 'secondary small' }, t('partners.withdraw', { organization: p.organization_name }))
          : null;
        // A partner that declined may be consulted again (a new consultation, to the same contact).
        const again =
          project.is_initiator && p.status === 'declined' && p.contact_email
            ? h('button', { type: 'button', class: 'secondary small' }, t('partners.consultAgain', { organization: p.organization_name }))
            : null;
        again?.addEventListener(
          'click',
          () =>
            void busy(again, async () => {
              try {
                const created = await api.invite(project.id, {
                  organization_name: p.organization_name,
                  contact_email: p.contact_email!,
                  ...(p.proposed_role ? { proposed_role: p.proposed_role } : {}),
                });
                ctx.redraw({ key: 'partners', text: t('invite.sent', { email: p.contact_email!, organization: created.organization_name }) });
              } catch (error) {
                status.error(error);
              }
            }),
        );
        withdraw?.addEventListener('click', async () => {
          const ok = await confirmDialog(
            t('partners.withdraw', { organization: p.organization_name }),
            [t('partners.withdrawConfirm', { organization: p.organization_name })],
            t('common.confirm'),
          );
          if (!ok) return;
          try {
            await api.withdraw(project.id, p.organization_id);
            ctx.redraw({ key: 'partners', text: t('partners.withdrawn', { organization: p.organization_name }) });
          } catch (error) {
            status.error(error);
          }
        });
        return h(
          'li',
          { class: 'partner card', dataset: { status: p.status, org: p.organization_id } },
          h('strong', { class: 'partner-name' }, p.organization_name),
          ' ',
          h('span', { class: `badge partner-${p.status}` }, isInitiator ? t('project.initiator') : t(`partners.status.${p.status}`)),
          p.proposed_role ? h('p', null, t('partners.role', { role: p.proposed_role })) : null,
          p.contact_email && project.is_initiator ? h('p', { class: 'muted' }, t('partners.contact', { email: p.contact_email })) : null,
          p.comment ? h('p', { class: 'comment' }, t('partners.comment', { comment: p.comment })) : null,
          p.status === 'accepted' ? receiptsSlot(p.organization_id) : null,
          withdraw,
          again,
        );
      }),
    );
    void fillReceipts(list, project.id).catch(() => {
      /* receipts are shown on the next change */
    });
    if (hadFocus && !list.contains(document.activeElement)) list.focus();
  };
  render(initial);
  onChange(ctx, async () => {
    try {
      render(await api.partners(project.id));
    } catch {
      /* read again on the next change */
    }
  });
  // A mission agreed meanwhile has a new receipt.
  onChange(ctx, () => fillReceipts(list, project.id).catch(() => {}));
  return h(
    'section',
    { class: 'partners-section', 'aria-labelledby': titleId },
    h('h2', { id: titleId }, t('partners.title')),
    list,
    status.el,
    project.is_initiator ? inviteForm(ctx, project) : null,
  );
}

function inviteForm(ctx: ViewContext, project: ProjectDetail): HTMLElement {
  const titleId = uid('invite');
  const org = field({ label: t('invite.organization'), name: 'organization_name', required: true, maxlength: 200 });
  const email = field({ label: t('invite.email'), name: 'contact_email', type: 'email', required: true, autocomplete: 'off' });
  const role = field({ label: t('invite.role'), name: 'proposed_role', maxlength: 200 });
  const status = feedback('invite');
  const submit = h('button', { type: 'submit', class: 'primary', dataset: { focusKey: 'invite-submit' } }, t('invite.submit'));
  const form = h('form', { class: 'stack', 'aria-labelledby': titleId }, org.wrap, email.wrap, role.wrap, submit, status.el);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void busy(submit, async () => {
      try {
        const created = await api.invite(project.id, {
          organization_name: org.input.value.trim(),
          contact_email: email.input.value.trim(),
          ...(role.input.value.trim() ? { proposed_role: role.input.value.trim() } : {}),
        });
        // A new partner has a mission: the page is drawn again with its section, where the person is.
        if (!ctx.signal.aborted)
          ctx.redraw({
            key: 'invite',
            text: t('invite.sent', { email: email.input.value.trim(), organization: created.organization_name }),
            focus: 'invite-submit',
          });
      } catch (error) {
        flagField(form, error);
        status.error(error);
      }
    });
  });
  return h('section', { class: 'card invite' }, h('h3', { id: titleId }, t('invite.title')), h('p', { class: 'help' }, t('invite.intro')), form);
}

function meetingsSection(ctx: ViewContext, project: ProjectDetail): HTMLElement {
  const titleId = uid('meetings');
  const list = h('div', { class: 'meetings' }, h('p', null, t('common.loading')));
  const section = h('section', { class: 'meetings-section', 'aria-labelledby': titleId }, h('h2', { id: titleId }, t('meetings.title')), list);
  const zone = browserZone();
  void api.meetings(project.id).then(
    (meetings) => {
      if (ctx.signal.aborted) return;
      replace(
        list,
        meetings.length === 0
          ? h('p', { class: 'empty' }, t('meetings.none'))
          : h(
              'ul',
              { class: 'meeting-list' },
              meetings.map((m) =>
                h(
                  'li',
                  { class: 'card' },
                  h('a', { href: `/meetings/${encodeURIComponent(m.id)}`, 'data-nav': true }, m.title),
                  ' ',
                  h('span', { class: `badge meeting-${m.status}` }, t(`meeting.status.${m.status}`)),
                  m.starts_at ? h('p', null, describeSlot(m.starts_at, m.ends_at, m.timezone, zone, getLocale()).primary) : null,
                ),
              ),
            ),
      );
    },
    (error: unknown) => {
      if (!ctx.signal.aborted) replace(list, h('p', { role: 'alert' }, errorMessage(error)));
    },
  );
  if (project.is_initiator) section.append(meetingForm(ctx, project));
  return section;
}

const ZONES = [
  'Europe/Paris',
  'Europe/Brussels',
  'Europe/Zurich',
  'Europe/Luxembourg',
  'America/Montreal',
  'Indian/Reunion',
  'America/Guadeloupe',
  'America/Martinique',
  'America/Cayenne',
  'Indian/Mayotte',
  'Pacific/Noumea',
  'Pacific/Tahiti',
  'Europe/London',
  'UTC',
];

function meetingForm(ctx: ViewContext, project: ProjectDetail): HTMLElement {
  const titleId = uid('new-meeting');
  const title = field({ label: t('meetings.field.title'), name: 'title', required: true, maxlength: 200 });
  const duration = field({ label: t('meetings.field.duration'), name: 'duration_minutes', type: 'number', required: true, value: '120', min: 15, max: 1440 });
  const zoneId = uid('zone');
  const viewer = browserZone();
  const zones = ZONES.includes(viewer) ? ZONES : [viewer, ...ZONES];
  const zone = h(
    'select',
    { id: zoneId, name: 'timezone' },
    zones.map((z) => h('option', { value: z, props: { selected: z === 'Europe/Paris' } }, z)),
  );
  const place = field({ label: t('meetings.field.location'), name: 'location', maxlength: 300 });
  const video = field({ label: t('meetings.field.video'), name: 'video_url', type: 'url' });
  const status = feedback();
  const submit = h('button', { type: 'submit', class: 'primary' }, t('meetings.createSubmit'));
  const form = h(
    'form',
    { class: 'stack' },
    title.wrap,
    duration.wrap,
    h('div', { class: 'field' }, h('label', { for: zoneId }, t('meetings.field.timezone')), zone),
    place.wrap,
    video.wrap,
    submit,
    status.el,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void busy(submit, async () => {
      try {
        const meeting = await api.createMeeting(project.id, {
          title: title.input.value.trim(),
          duration_minutes: Number(duration.input.value),
          timezone: zone.value,
          ...(place.input.value.trim() ? { location: place.input.value.trim() } : {}),
          ...(video.input.value.trim() ? { video_url: video.input.value.trim() } : {}),
        });
        announce(t('meetings.created', { title: meeting.title }));
        ctx.navigate(`/meetings/${encodeURIComponent(meeting.id)}`);
      } catch (error) {
        if (error instanceof Error && (error as { status?: number }).status === 404) status.error(t('meetings.unavailable'));
        else {
          flagField(form, error);
          status.error(error);
        }
      }
    });
  });
  return h('section', { class: 'card' }, h('h3', { id: titleId }, t('meetings.create')), form);
}

/**
 * A meeting's page: when and where, then its preparation — the slot poll (`poll.ts`), the co-edited
 * agenda and its agreement (`agenda.ts`), the concertation gate and the convocation (`gate.ts`),
 * what follows the convocation (`after.ts`) — and, once convened, its decisions.
 */

import { type Meeting, type Partnership, type ProjectDetail, ApiError, api } from '../../api';
import { type ViewContext, liveSession, session } from '../../app';
import { h, replace } from '../../dom';
import { getLocale, t, tn } from '../../i18n';
import { browserZone, describeSlot, zoneLabel } from '../../slots';
import { errorMessage, tabs } from '../../ui';
import { formatDate, formatDay } from '../../dates';
import { decisionsTab } from '../decisions';
import { connectionBar } from '../connection';
import { sectionLabel } from '../project';
import { afterSection } from './after';
import { editMeeting } from './edit';
import { agendaSection } from './agenda';
import { gateSection } from './gate';
import { pollSection } from './poll';
import { timeSection } from './time';
import type { MeetingPage } from './page';

export async function meetingView(ctx: ViewContext): Promise<void> {
  const id = ctx.params.id!;
  replace(ctx.main, h('h1', null, t('common.loading')));
  let meeting: Meeting;
  let project: ProjectDetail;
  let partners: Partnership[];
  try {
    meeting = await api.meeting(id);
    [project, partners] = await Promise.all([api.project(meeting.project_id), api.partners(meeting.project_id)]);
  } catch (error) {
    const text = error instanceof ApiError && error.notFound ? `${t('error.not_found')} ${t('meetings.unavailable')}` : errorMessage(error);
    replace(
      ctx.main,
      h('h1', null, t('notfound.title')),
      h('p', { role: 'alert' }, text),
      h('p', null, h('a', { href: '/', 'data-nav': true }, t('nav.projects'))),
    );
    return;
  }
  if (ctx.signal.aborted) return;
  const live = await liveSession(project.id);
  if (ctx.signal.aborted) return;
  const me = session.me!;
  const mine = new Map((project.my_organizations ?? []).map((o) => [o.organization_id, o.status]));
  const names = new Map(partners.map((p) => [p.organization_id, p.organization_name]));
  const myAccepted = partners
    .filter((p) => p.status === 'accepted' && mine.get(p.organization_id) === 'accepted')
    .map((p) => ({ id: p.organization_id, name: p.organization_name }));
  live.setUser(me.user.display_name, myAccepted[0]?.name ?? me.organizations[0]?.name ?? '', me.user.id);
  connectionBar(ctx, live, (key) => sectionLabel(key, names));

  const header = h('div', { class: 'meeting-header' });
  const gateBox = h('div', { class: 'gate' });
  const page: MeetingPage = {
    ctx,
    meeting,
    project,
    partners,
    live,
    myAccepted,
    async refreshMeeting() {
      try {
        page.meeting = await api.meeting(id);
      } catch {
        return;
      }
      renderHeader();
    },
    async refreshGate() {
      /* set below */
    },
  };
  const renderHeader = () => {
    const m = page.meeting;
    const when = m.starts_at ? describeSlot(m.starts_at, m.ends_at, m.timezone, browserZone(), getLocale()) : null;
    replace(
      header,
      h('p', { class: 'meta-line' }, h('span', { class: `badge meeting-${m.status}`, id: 'meeting-status' }, t(`meeting.status.${m.status}`))),
      h('p', null, when ? t('meeting.when', { when: when.primary }) : t('meeting.whenNone')),
      when?.viewer ? h('p', { class: 'muted' }, t('meeting.yourZone', { when: when.viewer })) : null,
      h('p', { class: 'muted', title: m.timezone }, t('meeting.zone', { zone: `${zoneLabel(m.timezone)} (${m.timezone})` })),
      m.location ? h('p', null, t('meeting.where', { where: m.location })) : null,
      m.video_url && /^https?:\/\//i.test(m.video_url)
        ? h('p', null, t('meeting.video'), h('a', { href: m.video_url, rel: 'noopener noreferrer' }, m.video_url))
        : null,
      m.respond_by && m.status === 'planning' ? h('p', null, t('meeting.respondBy', { date: formatDay(m.respond_by, getLocale()) })) : null,
      m.convened_at ? h('p', { class: 'convocation-sent', id: 'convocation-sent' }, convocationSent(m)) : null,
    );
  };
  renderHeader();

  // The gate is what a convocation waits for: once sent, the header says when and to whom.
  const planning = meeting.status === 'planning';
  const preparation = [
    pollSection(page),
    agendaSection(page),
    planning ? timeSection(page) : null,
    planning ? h('section', { class: 'card gate-section', 'aria-labelledby': 'gate-title' }, h('h2', { id: 'gate-title' }, t('gate.title')), gateBox) : null,
    afterSection(page),
    // Attendance: here while convened; with the decisions once held (the tab the page opens on).
    meeting.status === 'convened' ? timeSection(page) : null,
  ];
  // Decisions are recorded for convened (during the meeting) and held meetings.
  const withDecisions = meeting.status === 'convened' || meeting.status === 'held';
  const asked = ctx.query.get('tab');
  const selected = asked === 'decisions' || asked === 'prepare' ? asked : meeting.status === 'held' ? 'decisions' : 'prepare';
  const reload = () => ctx.redraw();
  replace(
    ctx.main,
    h('p', { class: 'crumbs' }, h('a', { href: `/projects/${encodeURIComponent(project.id)}`, 'data-nav': true }, t('meeting.backToProject'))),
    h('h1', null, meeting.title),
    header,
    planning && project.is_initiator ? editMeeting(page) : null,
    withDecisions
      ? tabs(
          t('meeting.tabs'),
          [
            { key: 'prepare', label: t('meeting.tab.prepare'), panel: h('div', { class: 'tab-panel' }, preparation) },
            {
              key: 'decisions',
              label: t('meeting.tab.decisions'),
              panel: h(
                'div',
                { class: 'tab-panel' },
                meeting.status === 'held' ? timeSection(page) : null,
                decisionsTab({ ctx, meeting, project, partners, reload }),
              ),
            },
          ],
          selected,
          (key) => {
            const url = new URL(location.href);
            url.searchParams.set('tab', key);
            history.replaceState(history.state, '', url.pathname + url.search);
          },
        )
      : preparation,
  );
  if (planning) gateSection(page, gateBox);
}

/** "Convocation sent on … to N people", from the meeting as the server keeps it. */
function convocationSent(m: Meeting): string {
  const date = formatDate(m.convened_at!);
  return m.recipients_count === null ? t('convened.sentOn', { date }) : tn('convened.sent', m.recipients_count, { date });
}

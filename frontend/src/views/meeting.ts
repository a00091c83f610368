/**
 * A meeting: when and where, the slot poll, the co-edited agenda and its agreement, the
 * concertation gate as a checklist, recording the concertation, the convocation and what
 * follows it (RSVP states, change of time or place, cancellation).
 */

import type * as Y from 'yjs';
import { type Agenda, type Answer, type Meeting, type Partnership, type Poll, type ProjectDetail, type Readiness, ApiError, api } from '../api';
import { type ViewContext, every, liveSession, session, trackUnsaved } from '../app';
import { h, replace, setText, uid } from '../dom';
import { checklist } from '../gate';
import { getLocale, t, tn } from '../i18n';
import { type LiveSession, agendaItems, loadAgenda } from '../live';
import { browserZone, describeSlot, utcToZoned, zoneLabel, zonedToUtc } from '../slots';
import { announce, busy, confirmDialog, errorMessage, feedback, field, formatDate, shortHash, tabs } from '../ui';
import { type RsvpAnswer, RSVP_ANSWERS, answerOf, ownAttendance } from '../rsvp';
import { decisionsTab } from './decisions';
import { agreementState } from '../consent';
import { agendaEditor } from './agendaEditor';
import { connectionBar } from './connection';
import { rememberMeeting, sectionLabel } from './project';
import { sameContent } from './section';

interface MeetingPage {
  ctx: ViewContext;
  meeting: Meeting;
  project: ProjectDetail;
  partners: Partnership[];
  live: LiveSession;
  /** Organizations the caller acts for in this project, accepted. */
  myAccepted: Array<{ id: string; name: string }>;
  refreshMeeting(): Promise<void>;
  refreshGate(): Promise<void>;
}

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
    replace(ctx.main, h('h1', null, t('notfound.title')), h('p', { role: 'alert' }, text), h('p', null, h('a', { href: '/', 'data-nav': true }, t('nav.projects'))));
    return;
  }
  if (ctx.signal.aborted) return;
  rememberMeeting(project.id, meeting.id);
  const live = await liveSession(project.id);
  if (ctx.signal.aborted) return;
  const me = session.me!;
  const mine = new Map((project.my_organizations ?? []).map((o) => [o.organization_id, o.status]));
  const names = new Map(partners.map((p) => [p.organization_id, p.organization_name]));
  const myAccepted = partners.filter((p) => p.status === 'accepted' && mine.get(p.organization_id) === 'accepted').map((p) => ({ id: p.organization_id, name: p.organization_name }));
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
    );
  };
  renderHeader();

  const preparation = [
    pollSection(page),
    agendaSection(page),
    h('section', { class: 'card gate-section', 'aria-labelledby': 'gate-title' }, h('h2', { id: 'gate-title' }, t('gate.title')), gateBox),
    afterSection(page),
  ];
  // Decisions are recorded for convened (during the meeting) and held meetings.
  const withDecisions = meeting.status === 'convened' || meeting.status === 'held';
  const asked = ctx.query.get('tab');
  const selected = asked === 'decisions' || asked === 'prepare' ? asked : meeting.status === 'held' ? 'decisions' : 'prepare';
  const reload = () => ctx.navigate(location.pathname + location.search, { replace: true });
  replace(
    ctx.main,
    h('p', { class: 'crumbs' }, h('a', { href: `/projects/${encodeURIComponent(project.id)}`, 'data-nav': true }, t('meeting.backToProject'))),
    h('h1', null, meeting.title),
    header,
    withDecisions
      ? tabs(
          t('meeting.tabs'),
          [
            { key: 'prepare', label: t('meeting.tab.prepare'), panel: h('div', { class: 'tab-panel' }, preparation) },
            { key: 'decisions', label: t('meeting.tab.decisions'), panel: h('div', { class: 'tab-panel' }, decisionsTab({ ctx, meeting, project, partners, reload })) },
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
  gateSection(page, gateBox);
}

function pollSection(page: MeetingPage): HTMLElement {
  const { ctx } = page;
  const titleId = uid('poll');
  const body = h('div', { class: 'poll' }, h('p', null, t('common.loading')));
  const status = feedback();
  const choices = new Map<string, Answer>();
  let lastKey = '';

  const render = (poll: Poll) => {
    const key = JSON.stringify(poll) + page.meeting.starts_at;
    if (key === lastKey) return;
    lastKey = key;
    if (poll.slots.length === 0) {
      replace(body, h('p', { class: 'empty' }, t('poll.none')));
      return;
    }
    const zone = browserZone();
    const m = page.meeting;
    const rows = poll.slots.map((slot) => {
      const view = describeSlot(slot.starts_at, slot.ends_at, m.timezone, zone, getLocale());
      const missing = slot.missing_organizations.map((o) => (typeof o === 'string' ? (page.partners.find((p) => p.organization_id === o)?.organization_name ?? o) : o.organization_name));
      const mine = choices.get(slot.id) ?? slot.my_answer ?? null;
      const group = h(
        'fieldset',
        { class: 'answer-group' },
        h('legend', { class: 'visually-hidden' }, `${t('poll.yours')} — ${view.primary}`),
        (['yes', 'maybe', 'no'] as const).map((answer) => {
          const radioId = uid('answer');
          // Answers are taken while the meeting is being prepared only.
          const radio = h('input', { type: 'radio', id: radioId, name: `slot-${slot.id}`, value: answer, disabled: m.status !== 'planning' || page.myAccepted.length === 0, props: { checked: mine === answer } });
          radio.addEventListener('change', () => choices.set(slot.id, answer));
          return h('span', { class: 'choice' }, radio, h('label', { for: radioId }, t(`poll.${answer}`)));
        }),
      );
      const suggested = poll.suggested_slot_id === slot.id;
      const chosen = m.starts_at !== null && new Date(m.starts_at).getTime() === new Date(slot.starts_at).getTime();
      const choose =
        page.project.is_initiator && m.status === 'planning' && !chosen
          ? h('button', { type: 'button', class: suggested ? 'primary small' : 'secondary small' }, t('poll.choose'))
          : null;
      choose?.addEventListener('click', () =>
        void busy(choose, async () => {
          try {
            page.meeting = await api.chooseSlot(m.id, slot.id);
            status.ok(t('poll.chooseDone'));
            await page.refreshMeeting();
            lastKey = '';
            await refresh();
            await page.refreshGate();
          } catch (error) {
            status.error(error);
          }
        }),
      );
      return h(
        'tr',
        { dataset: { slot: slot.id, suggested: String(suggested) } },
        h(
          'th',
          { scope: 'row' },
          view.primary,
          view.viewer ? h('span', { class: 'muted block' }, t('meeting.yourZone', { when: view.viewer })) : null,
          suggested ? h('span', { class: 'badge suggested' }, t('poll.suggested')) : null,
          chosen ? h('span', { class: 'badge chosen' }, t('poll.chosen')) : null,
        ),
        h('td', null, t('poll.counts', { yes: slot.yes, maybe: slot.maybe, no: slot.no }), h('span', { class: 'muted block' }, missing.length ? t('poll.missing', { names: missing.join(', ') }) : t('poll.allAnswered'))),
        h('td', null, group),
        h('td', null, choose),
      );
    });
    const save = h('button', { type: 'button', class: 'primary' }, t('poll.saveAnswers'));
    save.addEventListener('click', () =>
      void busy(save, async () => {
        try {
          await api.answerPoll(page.meeting.id, Object.fromEntries(choices));
          status.ok(t('poll.saved'));
          lastKey = '';
          await refresh();
        } catch (error) {
          status.error(error);
        }
      }),
    );
    replace(
      body,
      h(
        'div',
        { class: 'table-wrap' },
        h(
          'table',
          { class: 'poll-grid' },
          h('caption', { class: 'visually-hidden' }, t('poll.title')),
          h('thead', null, h('tr', null, h('th', { scope: 'col' }, t('poll.slot')), h('th', { scope: 'col' }, t('poll.answers')), h('th', { scope: 'col' }, t('poll.yours')), h('th', { scope: 'col' }, h('span', { class: 'visually-hidden' }, t('poll.choose'))))),
          h('tbody', null, rows),
        ),
      ),
      page.myAccepted.length > 0 && page.meeting.status === 'planning' ? save : null,
    );
  };

  const refresh = async () => {
    try {
      render(await api.poll(page.meeting.id));
    } catch (error) {
      if (error instanceof ApiError && error.notFound) replace(body, h('p', null, t('meetings.unavailable')));
    }
  };
  void refresh();
  every(ctx, 6000, refresh);

  return h(
    'section',
    { class: 'card poll-section', 'aria-labelledby': titleId },
    h('h2', { id: titleId }, t('poll.title')),
    body,
    status.el,
    page.meeting.status === 'planning' && page.project.is_initiator ? slotForm(page, refresh) : null,
  );
}

function slotForm(page: MeetingPage, refresh: () => Promise<void>): HTMLElement {
  const zone = page.meeting.timezone;
  const titleId = uid('slot');
  const date = field({ label: t('poll.date'), name: 'date', type: 'date', required: true });
  const time = field({ label: t('poll.time', { zone: zoneLabel(zone) }), name: 'time', type: 'time', required: true, value: '10:00' });
  const status = feedback();
  const submit = h('button', { type: 'submit', class: 'secondary' }, t('poll.addSubmit'));
  const form = h('form', { class: 'row wrap', 'aria-labelledby': titleId }, date.wrap, time.wrap, submit);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const startsAt = zonedToUtc(date.input.value, time.input.value, zone);
    if (!startsAt) {
      time.input.setAttribute('aria-invalid', 'true');
      status.error(t('poll.invalidTime'));
      return;
    }
    time.input.removeAttribute('aria-invalid');
    void busy(submit, async () => {
      try {
        await api.addSlot(page.meeting.id, startsAt);
        status.ok(t('poll.added'));
        await refresh();
      } catch (error) {
        status.error(error);
      }
    });
  });
  return h('div', { class: 'add-slot' }, h('h3', { id: titleId }, t('poll.add')), form, status.el);
}

function agendaSection(page: MeetingPage): HTMLElement {
  const { ctx, live, meeting } = page;
  const titleId = uid('agenda');
  const agreementsTitleId = uid('agenda-agreements');
  const holder = h('div', null, h('p', null, t('common.loading')));
  const status = feedback();
  const versionLine = h('p', { class: 'version' });
  const hint = h('p', { class: 'hint' });
  const agreementsList = h('ul', { class: 'agreements', 'aria-labelledby': agreementsTitleId });
  const saveButton = h('button', { type: 'button', class: 'secondary' }, t('agenda.save'));
  const agreeButtons = page.myAccepted.map((org) => ({ org, button: h('button', { type: 'button', class: 'primary agree', dataset: { org: org.id } }, t('agenda.agreeButton', { organization: org.name })) }));
  let shown: Agenda | null = null;
  let list: Y.Array<Y.Map<unknown>> | null = null;
  let savedKey = '';
  let agreementsKey = '';
  const currentKey = () => (list ? JSON.stringify(agendaItems(list)) : '');
  const dirty = () => !live.live && list !== null && currentKey() !== savedKey;
  trackUnsaved(ctx, dirty);

  const renderAgreements = () => {
    const entries = shown?.agreements ?? [];
    const key = JSON.stringify(entries) + getLocale();
    if (key === agreementsKey) return;
    agreementsKey = key;
    replace(
      agreementsList,
      entries.map((entry) => {
        const state = agreementState(entry.agreement);
        const params = { organization: entry.organization_name, date: entry.agreement ? formatDate(entry.agreement.created_at) : '' };
        return h('li', { class: 'agreement-state', dataset: { state, org: entry.organization_id } }, t(`agenda.agreement.${state}`, params));
      }),
    );
  };

  const renderState = () => {
    saveButton.disabled = !dirty();
    const bound = shown !== null && list !== null && !dirty() && sameAgenda(shown, agendaItems(list));
    const empty = list === null || list.length === 0;
    setText(versionLine, bound && shown ? t('doc.version', { hash: shortHash(shown.content_hash) }) : '');
    for (const { org, button } of agreeButtons) {
      const mine = shown?.agreements?.find((a) => a.organization_id === org.id);
      const already = agreementState(mine?.agreement) === 'current';
      button.disabled = !bound || empty || already;
    }
    let hintText = '';
    if (dirty()) hintText = t('agree.saveFirst');
    else if (agreeButtons.length && empty) hintText = t('agenda.emptyCannotAgree');
    else if (shown && !bound && agreeButtons.length) hintText = t('agree.waitSync');
    setText(hint, hintText);
    renderAgreements();
  };

  const refresh = async () => {
    try {
      const data = await api.agenda(meeting.id);
      if (ctx.signal.aborted || !list) return;
      if (!live.live && !dirty() && JSON.stringify(data.items.map(plain)) !== JSON.stringify(agendaItems(list).map(plain))) {
        loadAgenda(list, data.items);
        savedKey = currentKey();
      }
      // A message about another version ("approved…") would mislead once the agenda changed.
      if (shown && shown.content_hash !== data.content_hash) status.clear();
      shown = data;
      renderState();
    } catch {
      /* next round */
    }
  };
  let debounce: number | undefined;

  saveButton.addEventListener('click', () =>
    void busy(saveButton, async () => {
      if (!list) return;
      try {
        const items = agendaItems(list).map((i) => ({ id: i.id, title: i.title, duration_min: i.duration_min, ...(i.lead_org_id ? { lead_org_id: i.lead_org_id } : {}), notes: i.notes }));
        const saved = await api.putAgenda(meeting.id, items);
        savedKey = currentKey();
        shown = { ...saved, agreements: shown?.agreements ?? [] };
        status.ok(t('agenda.saved'));
        await refresh();
        await page.refreshGate();
      } catch (error) {
        status.error(error);
      }
      renderState();
    }),
  );
  for (const { org, button } of agreeButtons) {
    button.addEventListener('click', () =>
      void busy(button, async () => {
        if (!shown) return;
        try {
          await api.agreeAgenda(meeting.id, shown.content_hash, org.id);
          status.ok(t('agenda.agreed'));
          announce(t('agenda.agreed'));
        } catch (error) {
          status.error(error);
        }
        await refresh();
        await page.refreshGate();
      }).then(renderState),
    );
  }

  void (async () => {
    await live.whenSynced();
    if (ctx.signal.aborted) return;
    list = live.agenda(meeting.id);
    if (!live.live) {
      try {
        const data = await api.agenda(meeting.id);
        loadAgenda(list, data.items);
        shown = data;
      } catch (error) {
        if (!(error instanceof ApiError && error.notFound)) status.error(error);
      }
      savedKey = currentKey();
    }
    const organizations = page.partners.filter((p) => p.status === 'accepted').map((p) => ({ id: p.organization_id, name: p.organization_name }));
    replace(
      holder,
      agendaEditor(ctx, {
        live,
        list,
        meetingId: meeting.id,
        meetingMinutes: meeting.duration_minutes,
        organizations,
        onChange: () => {
          renderState();
          if (live.live) {
            window.clearTimeout(debounce);
            debounce = window.setTimeout(() => void refresh(), 700);
          }
        },
      }),
    );
    ctx.onLeave(() => window.clearTimeout(debounce));
    renderState();
    await refresh();
    every(ctx, 5000, refresh);
  })();

  return h(
    'section',
    { class: 'card agenda-section', 'aria-labelledby': titleId },
    h('h2', { id: titleId }, t('agenda.title')),
    holder,
    live.live ? null : h('div', { class: 'row' }, saveButton),
    versionLine,
    h('h3', { id: agreementsTitleId }, t('agenda.agreementsTitle')),
    agreementsList,
    agreeButtons.map((a) => a.button),
    hint,
    status.el,
  );
}

function plain(i: { title: string; duration_min: number; lead_org_id: string | null; notes: string | null }) {
  return [i.title, i.duration_min, i.lead_org_id ?? '', i.notes ?? ''];
}

function sameAgenda(shown: Agenda, items: ReturnType<typeof agendaItems>): boolean {
  if (shown.items.length !== items.length) return false;
  return shown.items.every((s, i) => {
    const l = items[i]!;
    return sameContent(s.title, l.title) && sameContent(s.notes ?? '', l.notes) && s.duration_min === l.duration_min && (s.lead_org_id ?? '') === l.lead_org_id;
  });
}

function gateSection(page: MeetingPage, box: HTMLElement): void {
  const { ctx } = page;
  const list = h('ul', { class: 'checklist' });
  const summaryLine = h('p', { class: 'gate-summary', role: 'status', 'aria-live': 'polite' });
  const updated = h('p', { class: 'muted small' });
  const summary = field({ label: t('concertation.summary'), name: 'summary', multiline: true, rows: 3 });
  const record = h('button', { type: 'button', class: 'primary', disabled: true }, t('concertation.record'));
  const convene = h('button', { type: 'button', class: 'primary', disabled: true }, t('convocation.send'));
  const status = feedback();
  let readiness: Readiness | null = null;
  let lastKey = '';

  const render = () => {
    if (!readiness) return;
    const lines = checklist(readiness, getLocale());
    const key = JSON.stringify(lines);
    if (key !== lastKey) {
      lastKey = key;
      replace(
        list,
        lines.map((line) =>
          h(
            'li',
            { class: line.met ? 'met' : 'unmet', dataset: { rule: line.rule } },
            h('span', { class: 'mark', 'aria-hidden': 'true' }, line.met ? '✓' : '✗'),
            h('span', { class: 'visually-hidden' }, `${line.met ? t('gate.met') : t('gate.unmetLabel')} : `),
            h('strong', null, line.label),
            line.problems.length ? h('ul', null, line.problems.map((p) => h('li', null, p))) : null,
          ),
        ),
      );
      setText(summaryLine, readiness.ready ? t('gate.ready') : t('gate.notReady'));
    }
    setText(updated, t('gate.updated', { time: new Intl.DateTimeFormat(getLocale(), { timeStyle: 'medium' }).format(new Date()) }));
    const onlyConcertationMissing = readiness.unmet.length > 0 && readiness.unmet.every((u) => u.rule === 'concertation_not_recorded' || u.rule === 'concertation_stale');
    const planning = page.meeting.status === 'planning';
    record.disabled = !(planning && onlyConcertationMissing);
    convene.disabled = !(planning && readiness.ready);
  };

  const refresh = async () => {
    try {
      readiness = await api.readiness(page.meeting.id);
      render();
    } catch (error) {
      if (error instanceof ApiError && error.notFound) replace(box, h('p', null, t('gate.unavailable')));
    }
  };
  page.refreshGate = refresh;

  record.addEventListener('click', async () => {
    const ok = await confirmDialog(t('concertation.confirmTitle'), [h('p', null, t('concertation.confirmText'))], t('concertation.record'));
    if (!ok) return;
    await busy(record, async () => {
      try {
        await api.recordConcertation(page.meeting.id, summary.input.value.trim());
        status.ok(t('concertation.done'));
        announce(t('concertation.done'));
      } catch (error) {
        status.error(gateError(error));
      }
      await refresh();
    });
  });

  convene.addEventListener('click', async () => {
    const m = page.meeting;
    const when = m.starts_at ? describeSlot(m.starts_at, m.ends_at, m.timezone, browserZone(), getLocale()).primary : '';
    const accepted = page.partners.filter((p) => p.status === 'accepted');
    const ok = await confirmDialog(
      t('convocation.confirmTitle'),
      [
        h('p', null, t('convocation.confirmIntro', { title: m.title, when })),
        h('ul', { class: 'recipients' }, accepted.map((p) => h('li', null, t('convocation.confirmOrg', { organization: p.organization_name })))),
        m.location ? h('p', null, t('meeting.where', { where: m.location })) : '',
      ],
      t('convocation.send'),
    );
    if (!ok) return;
    await busy(convene, async () => {
      try {
        const sent = await api.convene(m.id);
        const text = tn('convocation.sent', sent.recipients.length, { emails: sent.recipients.join(', ') });
        status.ok(text);
        announce(text);
        await page.refreshMeeting();
        ctx.navigate(location.pathname, { replace: true });
      } catch (error) {
        status.error(gateError(error));
      }
      await refresh();
    });
  });

  replace(
    box,
    summaryLine,
    list,
    updated,
    page.meeting.status === 'planning' && page.project.is_initiator ? h('div', { class: 'stack' }, summary.wrap, h('div', { class: 'actions' }, record, convene)) : null,
    status.el,
  );
  void refresh();
  every(ctx, 4000, refresh);
}

function gateError(error: unknown): string {
  if (error instanceof ApiError && error.code === 'concertation_incomplete') {
    const lines = checklist({ unmet: error.unmet }, getLocale()).flatMap((l) => l.problems);
    return t('convocation.blocked', { reasons: lines.join(' ') });
  }
  return errorMessage(error);
}

function afterSection(page: MeetingPage): HTMLElement | null {
  const m = page.meeting;
  if (m.status === 'planning') return null;
  const { ctx } = page;
  const titleId = uid('after');
  const table = h('div', { class: 'attendees' }, h('p', null, t('common.loading')));
  const status = feedback();
  // The caller's own answer, when they are among the attendees of a convened meeting.
  const rsvpBox = h('div', { class: 'rsvp-box' });
  let rsvp: ReturnType<typeof rsvpForm> | null = null;
  const refresh = async () => {
    try {
      const attendees = await api.attendees(m.id);
      const mine = m.status === 'convened' ? ownAttendance(attendees, session.me!.user.email) : null;
      if (mine && !rsvp) {
        rsvp = rsvpForm(m.id, refresh);
        replace(rsvpBox, rsvp.el);
      }
      if (mine) rsvp?.show(mine.partstat);
      replace(
        table,
        attendees.length === 0
          ? h('p', null, t('attendees.none'))
          : h(
              'ul',
              null,
              attendees.map((a) => {
                const key = `attendees.partstat.${a.partstat.toUpperCase()}`;
                const label = ['NEEDS-ACTION', 'ACCEPTED', 'DECLINED', 'TENTATIVE'].includes(a.partstat.toUpperCase()) ? t(key as 'attendees.partstat.ACCEPTED') : a.partstat;
                const org = page.partners.find((p) => p.organization_id === a.organization_id)?.organization_name;
                return h('li', { dataset: { partstat: a.partstat } }, `${a.email}${org ? ` (${org})` : ''} — `, h('strong', null, label));
              }),
            ),
      );
    } catch (error) {
      replace(table, h('p', null, errorMessage(error)));
    }
  };
  void refresh();
  every(ctx, 8000, refresh);
  if (m.status !== 'convened') {
    return h('section', { class: 'card', 'aria-labelledby': titleId }, h('h2', { id: titleId }, t('attendees.title')), table);
  }
  const start = m.starts_at ? utcToZoned(m.starts_at, m.timezone) : { date: '', time: '10:00' };
  const date = field({ label: t('poll.date'), name: 'date', type: 'date', required: true, value: start.date });
  const time = field({ label: t('poll.time', { zone: zoneLabel(m.timezone) }), name: 'time', type: 'time', required: true, value: start.time });
  const place = field({ label: t('meetings.field.location'), name: 'location', value: m.location ?? '' });
  const submit = h('button', { type: 'submit', class: 'secondary' }, t('change.submit'));
  const form = h('form', { class: 'stack' }, h('div', { class: 'row wrap' }, date.wrap, time.wrap), place.wrap, submit);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const startsAt = zonedToUtc(date.input.value, time.input.value, m.timezone);
    if (!startsAt) {
      status.error(t('poll.invalidTime'));
      return;
    }
    const ok = await confirmDialog(t('change.title'), [t('change.confirm')], t('change.submit'));
    if (!ok) return;
    await busy(submit, async () => {
      try {
        await api.updateMeeting(m.id, { starts_at: startsAt, location: place.input.value.trim() });
        status.ok(t('change.done'));
        announce(t('change.done'));
        ctx.navigate(location.pathname, { replace: true });
      } catch (error) {
        status.error(error);
      }
    });
  });
  const cancel = h('button', { type: 'button', class: 'danger' }, t('cancel.button'));
  cancel.addEventListener('click', async () => {
    const ok = await confirmDialog(t('cancel.button'), [t('cancel.confirm')], t('cancel.button'));
    if (!ok) return;
    await busy(cancel, async () => {
      try {
        await api.cancel(m.id);
        status.ok(t('cancel.done'));
        announce(t('cancel.done'));
        ctx.navigate(location.pathname, { replace: true });
      } catch (error) {
        status.error(error);
      }
    });
  });
  const changeId = uid('change');
  return h(
    'section',
    { class: 'card after', 'aria-labelledby': titleId },
    h('h2', { id: titleId }, t('attendees.title')),
    rsvpBox,
    table,
    page.project.is_initiator ? [h('h3', { id: changeId }, t('change.title')), form, h('div', { class: 'actions' }, cancel)] : null,
    status.el,
  );
}

/**
 * The caller's answer to the convocation, as the links of their email would record it. Shown
 * once; `show` updates the answer on record without touching a choice being made.
 */
function rsvpForm(meetingId: string, onSaved: () => Promise<void>): { el: HTMLElement; show(partstat: string): void } {
  const titleId = uid('rsvp');
  const current = h('p', { class: 'rsvp-current' });
  const name = uid('answer');
  const choices = RSVP_ANSWERS.map((answer) => {
    const id = uid('rsvp-choice');
    const input = h('input', { type: 'radio', name, value: answer, id });
    return { answer, input, label: h('label', { class: 'rsvp-choice', for: id }, input, h('span', null, t(`rsvp.answer.${answer}`))) };
  });
  const submit = h('button', { type: 'submit', class: 'primary' }, t('rsvp.submit'));
  const status = feedback();
  const form = h(
    'form',
    { class: 'stack', 'aria-labelledby': titleId },
    h('fieldset', { class: 'rsvp-choices' }, h('legend', null, t('rsvp.legend')), choices.map((c) => c.label)),
    h('div', { class: 'actions' }, submit),
    status.el,
  );
  let preselected = false;
  const show = (partstat: string) => {
    const answer = answerOf(partstat);
    setText(current, answer ? t('rsvp.current', { answer: t(`rsvp.answer.${answer}`) }) : t('rsvp.none'));
    current.dataset.answer = answer ?? 'none';
    if (!preselected && answer) {
      for (const c of choices) c.input.checked = c.answer === answer;
      preselected = true;
    }
  };
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const chosen: RsvpAnswer | undefined = choices.find((c) => c.input.checked)?.answer;
    if (!chosen) {
      status.error(t('rsvp.choose'));
      return;
    }
    void busy(submit, async () => {
      try {
        const row = await api.answerConvocation(meetingId, chosen);
        show(row.partstat);
        status.ok(t('rsvp.saved'));
        announce(t('rsvp.saved'));
        await onSaved();
      } catch (error) {
        status.error(error);
      }
    });
  });
  const el = h('section', { class: 'rsvp', 'aria-labelledby': titleId }, h('h3', { id: titleId }, t('rsvp.title')), current, form);
  return { el, show };
}

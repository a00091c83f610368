/**
 * Partners' time on a meeting's page. Before the convocation: the notice a convocation would
 * leave and, for a partner that has not answered a short notice, accepting or refusing it; budget
 * warnings (they do not block); who represents each partner, chosen by its own members. Once
 * convened: who came (present / absent / excused), recorded by the initiator once it started.
 * In the poll: slots inside the notice and partners a slot would take past their budget.
 */

import { type PollSlot, type Readiness, api } from '../../api';
import { onChange } from '../../app';
import { h, replace, uid } from '../../dom';
import { getLocale, t } from '../../i18n';
import {
  ATTENDANCE_STATUSES,
  type AttendanceEntry,
  type AttendanceStatus,
  type Representation,
  attendanceBody,
  joinNames,
  mustAnswerShortNotice,
  noticeSentences,
  warningSentence,
} from '../../time';
import { timeApi } from '../../timeApi';
import { announce, busy, carryMessage, errorMessage, feedback, rerender } from '../../ui';
import type { MeetingPage } from './page';

/** The section for the meeting's status: preparation (planning), attendance (convened, held), none otherwise. */
export function timeSection(page: MeetingPage): HTMLElement | null {
  const status = page.meeting.status;
  if (status === 'planning') return beforeConvocation(page);
  if (status === 'convened' || status === 'held') return attendanceSection(page);
  return null;
}

function beforeConvocation(page: MeetingPage): HTMLElement {
  const { ctx } = page;
  const titleId = uid('time');
  const noticeBox = h('div', { class: 'notice-box' });
  const warningsBox = h('div', { class: 'time-warnings-box' });
  const repsBox = h('div', { class: 'representatives' }, h('p', null, t('common.loading')));
  const noticeStatus = feedback('short-notice');
  let noticeKey = '';
  let repsKey = '';

  const renderNotice = (readiness: Readiness) => {
    const notice = readiness.notice;
    const key = JSON.stringify([notice, readiness.warnings, getLocale()]);
    if (key === noticeKey) return;
    noticeKey = key;
    const asks = notice
      ? page.myAccepted
          .filter((org) => mustAnswerShortNotice(notice, org.id))
          .map((org) => shortNoticeAsk(page, org, notice.content_hash, noticeStatus, refresh))
      : [];
    rerender(noticeBox, () => [
      h('h3', null, t('time.notice.title')),
      notice
        ? h('p', { class: 'notice-line', dataset: { short: String(notice.short) } }, noticeSentences(notice, getLocale()).join(' '))
        : h('p', { class: 'muted' }, t('time.notice.none')),
      asks,
    ]);
    replace(
      warningsBox,
      readiness.warnings.length
        ? [
            h('h3', null, t('time.warnings.title')),
            h(
              'ul',
              { class: 'time-warnings' },
              readiness.warnings.map((w) => h('li', { dataset: { org: w.organization_id } }, warningSentence(w, getLocale()))),
            ),
          ]
        : null,
    );
  };

  const renderReps = (reps: Representation[]) => {
    const key = JSON.stringify([reps, getLocale()]);
    if (key === repsKey) return;
    repsKey = key;
    rerender(repsBox, () => [
      h(
        'ul',
        { class: 'representatives-list' },
        reps.map((r) =>
          h(
            'li',
            { dataset: { org: r.organization_id, chosen: String(r.chosen) } },
            h('strong', null, r.organization_name),
            ` : ${
              r.people.length
                ? joinNames(
                    r.people.map((p) => p.display_name),
                    getLocale(),
                  )
                : t('time.reps.nobody')
            }`,
            r.people.length ? h('span', { class: 'muted' }, ` (${r.chosen ? t('time.reps.chosen') : t('time.reps.default')})`) : null,
          ),
        ),
      ),
      reps.filter((r) => r.can_choose && r.members.length > 0).map((r) => representativesForm(page, r, saved)),
    ]);
  };

  const refresh = async () => {
    try {
      renderNotice(await api.readiness(page.meeting.id));
    } catch {
      /* next round */
    }
  };
  // After a save the forms are drawn again, with the confirmation carried to the new one.
  const saved = async (key: string, text: string) => {
    carryMessage(key, text);
    repsKey = '';
    await refreshReps();
  };
  const refreshReps = async () => {
    try {
      renderReps(await timeApi.representatives(page.meeting.id));
    } catch {
      /* next round */
    }
  };
  void refresh();
  void refreshReps();
  onChange(ctx, refresh);
  onChange(ctx, refreshReps);

  const repsTitle = uid('reps');
  return h(
    'section',
    { class: 'card time-section', 'aria-labelledby': titleId },
    h('h2', { id: titleId }, t('time.title')),
    noticeBox,
    noticeStatus.el,
    warningsBox,
    h('h3', { id: repsTitle }, t('time.reps.title')),
    repsBox,
  );
}

/** "La réunion est proche : la CAF accepte-t-elle ce délai court ?" with its two buttons. */
function shortNoticeAsk(
  page: MeetingPage,
  org: { id: string; name: string },
  contentHash: string,
  status: ReturnType<typeof feedback>,
  refresh: () => Promise<void>,
): HTMLElement {
  const accept = h(
    'button',
    { type: 'button', class: 'primary', 'aria-label': t('time.notice.acceptLabel', { organization: org.name }), dataset: { focusKey: `accept-${org.id}` } },
    t('time.notice.accept'),
  );
  const refuse = h(
    'button',
    { type: 'button', class: 'secondary', 'aria-label': t('time.notice.refuseLabel', { organization: org.name }), dataset: { focusKey: `refuse-${org.id}` } },
    t('time.notice.refuse'),
  );
  const answer = (decision: 'agree' | 'object', button: HTMLButtonElement) =>
    void busy(button, async () => {
      try {
        await timeApi.answerShortNotice(page.meeting.id, decision, contentHash, org.id);
        const text = t(decision === 'agree' ? 'time.notice.accepted' : 'time.notice.refused', { organization: org.name });
        status.ok(text);
        announce(text);
      } catch (error) {
        status.error(error);
      }
      await refresh();
      await page.refreshGate();
    });
  accept.addEventListener('click', () => answer('agree', accept));
  refuse.addEventListener('click', () => answer('object', refuse));
  return h(
    'div',
    { class: 'notice-answer stack', dataset: { org: org.id } },
    h('p', null, t('time.notice.ask', { organization: org.name })),
    h('div', { class: 'actions' }, accept, refuse),
  );
}

/** The partner's own members choose who represents it (checkboxes of its members). */
function representativesForm(page: MeetingPage, rep: Representation, saved: (key: string, text: string) => Promise<void>): HTMLElement {
  const chosen = new Set(rep.people.map((p) => p.user_id));
  const helpId = uid('reps-help');
  const boxes = rep.members.map((m) => {
    const id = uid('rep');
    const input = h('input', { type: 'checkbox', id, name: 'user_ids', value: m.user_id, props: { checked: chosen.has(m.user_id) } });
    return { input, label: h('label', { for: id }, input, m.display_name) };
  });
  const statusKey = `reps-${rep.organization_id}`;
  const status = feedback(statusKey);
  const submit = h('button', { type: 'submit', class: 'secondary', dataset: { focusKey: `reps-${rep.organization_id}` } }, t('time.reps.save'));
  const form = h(
    'form',
    { class: 'representatives-form stack', dataset: { org: rep.organization_id } },
    h(
      'fieldset',
      { 'aria-describedby': helpId },
      h('legend', null, t('time.reps.choose', { organization: rep.organization_name })),
      h('p', { class: 'help', id: helpId }, t('time.reps.help', { organization: rep.organization_name })),
      h(
        'div',
        { class: 'choices' },
        boxes.map((b) => b.label),
      ),
    ),
    h('div', { class: 'actions' }, submit),
    status.el,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const ids = boxes.filter((b) => b.input.checked).map((b) => b.input.value);
    if (ids.length === 0) {
      status.error(t('time.reps.pickOne'));
      return;
    }
    void busy(submit, async () => {
      try {
        await timeApi.chooseRepresentatives(page.meeting.id, rep.organization_id, ids);
        const text = t('time.reps.saved', { organization: rep.organization_name });
        announce(text);
        await saved(statusKey, text);
        await page.refreshGate();
      } catch (error) {
        status.error(error);
      }
    });
  });
  return form;
}

/** Who came: everyone reads it; the initiator records it (a fieldset per person). */
function attendanceSection(page: MeetingPage): HTMLElement {
  const { ctx } = page;
  const titleId = uid('attendance');
  const body = h('div', { class: 'attendance' }, h('p', null, t('common.loading')));
  const status = feedback('attendance');
  const canRecord = page.project.is_initiator;
  const choices = new Map<string, AttendanceStatus>();
  let lastKey = '';
  const orgName = (id: string) => page.partners.find((p) => p.organization_id === id)?.organization_name ?? '';

  const render = (entries: AttendanceEntry[]) => {
    const key = JSON.stringify([entries, getLocale()]);
    if (key === lastKey) return;
    lastKey = key;
    if (entries.length === 0) {
      replace(body, h('p', { class: 'empty' }, t('time.attendance.none')));
      return;
    }
    if (!canRecord) {
      replace(
        body,
        h(
          'ul',
          { class: 'attendance-list' },
          entries.map((e) =>
            h(
              'li',
              { dataset: { status: e.status ?? 'none' } },
              `${e.display_name}${orgName(e.organization_id) ? ` (${orgName(e.organization_id)})` : ''} — `,
              h('strong', null, e.status ? t(`time.attendance.${e.status}`) : t('time.attendance.unknown')),
            ),
          ),
        ),
      );
      return;
    }
    const people = entries.filter((e): e is AttendanceEntry & { user_id: string } => e.user_id !== null);
    const submit = h('button', { type: 'submit', class: 'primary', dataset: { focusKey: 'attendance-save' } }, t('time.attendance.save'));
    const form = h(
      'form',
      { class: 'attendance-form stack' },
      people.map((e) => {
        const name = uid('presence');
        const current = choices.get(e.user_id) ?? e.status ?? null;
        const org = orgName(e.organization_id);
        return h(
          'fieldset',
          { class: 'attendance-person', dataset: { user: e.user_id, status: e.status ?? 'none' } },
          h('legend', null, org ? `${e.display_name} (${org})` : e.display_name),
          h(
            'div',
            { class: 'choices' },
            ATTENDANCE_STATUSES.map((s) => {
              const id = uid('presence-choice');
              const input = h('input', { type: 'radio', id, name, value: s, props: { checked: current === s } });
              input.addEventListener('change', () => choices.set(e.user_id, s));
              return h('label', { for: id }, input, t(`time.attendance.${s}`));
            }),
          ),
        );
      }),
      h('div', { class: 'actions' }, submit),
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      if (choices.size === 0) {
        status.error(t('time.attendance.pickOne'));
        return;
      }
      void busy(submit, async () => {
        try {
          const saved = await timeApi.recordAttendance(page.meeting.id, attendanceBody(choices));
          choices.clear();
          status.ok(t('time.attendance.saved'));
          announce(t('time.attendance.saved'));
          render(saved);
        } catch (error) {
          status.error(error);
        }
      });
    });
    rerender(body, () => form);
  };

  const refresh = async () => {
    try {
      render(await timeApi.attendance(page.meeting.id));
    } catch (error) {
      if (lastKey === '') replace(body, h('p', { role: 'alert' }, errorMessage(error)));
    }
  };
  void refresh();
  onChange(ctx, refresh);
  return h(
    'section',
    { class: 'card attendance-section', 'aria-labelledby': titleId },
    h('h2', { id: titleId }, t('time.attendance.title')),
    h('p', { class: 'help' }, t('time.attendance.intro')),
    body,
    status.el,
  );
}

/** Under a slot of the poll: "préavis trop court" and the partners it would take past their budget. */
export function slotTimeNotes(slot: PollSlot): HTMLElement | null {
  const over = slot.over_budget_organizations.map((o) => o.organization_name);
  if (!slot.inside_notice && over.length === 0) return null;
  return h(
    'span',
    { class: 'slot-time-note' },
    slot.inside_notice ? h('span', { class: 'badge inside-notice', dataset: { insideNotice: 'true' } }, t('time.poll.insideNotice')) : null,
    over.length ? h('span', { class: 'muted block over-budget' }, t('time.poll.overBudget', { names: joinNames(over, getLocale()) })) : null,
  );
}

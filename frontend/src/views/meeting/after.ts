/** After the convocation: the attendees and their answers, the caller's own answer, changing the time or place, cancelling. */

import { api } from '../../api';
import { onChange, session } from '../../app';
import { h, replace, setText, uid } from '../../dom';
import { t } from '../../i18n';
import { utcToZoned, zoneLabel, zonedToUtc } from '../../slots';
import { announce, busy, confirmDialog, errorMessage, feedback, field } from '../../ui';
import { type RsvpAnswer, RSVP_ANSWERS, answerOf, ownAttendance } from '../../rsvp';
import type { MeetingPage } from './page';

export function afterSection(page: MeetingPage): HTMLElement | null {
  const m = page.meeting;
  if (m.status === 'planning') return null;
  const { ctx } = page;
  const titleId = uid('after');
  const table = h('div', { class: 'attendees' }, h('p', null, t('common.loading')));
  const status = feedback('after');
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
                const label = ['NEEDS-ACTION', 'ACCEPTED', 'DECLINED', 'TENTATIVE'].includes(a.partstat.toUpperCase())
                  ? t(key as 'attendees.partstat.ACCEPTED')
                  : a.partstat;
                const org = page.partners.find((p) => p.organization_id === a.organization_id)?.organization_name;
                return h('li', { dataset: { partstat: a.partstat } }, `${a.display_name || a.email}${org ? ` (${org})` : ''} — `, h('strong', null, label));
              }),
            ),
      );
    } catch (error) {
      replace(table, h('p', null, errorMessage(error)));
    }
  };
  void refresh();
  onChange(ctx, refresh);
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
        announce(t('change.done'));
        ctx.redraw({ key: 'after', text: t('change.done') });
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
        announce(t('cancel.done'));
        ctx.redraw({ key: 'after', text: t('cancel.done') });
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
    h(
      'fieldset',
      { class: 'rsvp-choices' },
      h('legend', null, t('rsvp.legend')),
      choices.map((c) => c.label),
    ),
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

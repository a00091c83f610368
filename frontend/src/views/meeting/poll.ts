/** The slot poll: each partner's answers per slot, the suggested slot, choosing one, adding slots. */

import { type Answer, type Poll, ApiError, api } from '../../api';
import { onChange } from '../../app';
import { h, replace, setText, uid } from '../../dom';
import { getLocale, t, tn } from '../../i18n';
import { browserZone, describeSlot, timeAfter, zoneLabel, zonedToUtc } from '../../slots';
import { busy, confirmDialog, errorMessage, feedback, field } from '../../ui';
import { formatDate } from '../../dates';
import type { MeetingPage } from './page';
import { slotTimeNotes } from './time';

export function pollSection(page: MeetingPage): HTMLElement {
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
      const missing = slot.missing_organizations.map((o) =>
        typeof o === 'string' ? (page.partners.find((p) => p.organization_id === o)?.organization_name ?? o) : o.organization_name,
      );
      const mine = choices.get(slot.id) ?? slot.my_answer ?? null;
      const group = h(
        'fieldset',
        { class: 'answer-group' },
        h('legend', { class: 'visually-hidden' }, `${t('poll.yours')} — ${view.primary}`),
        (['yes', 'maybe', 'no'] as const).map((answer) => {
          const radioId = uid('answer');
          // Answers are taken while the meeting is being prepared only.
          const radio = h('input', {
            type: 'radio',
            id: radioId,
            name: `slot-${slot.id}`,
            value: answer,
            disabled: m.status !== 'planning' || page.myAccepted.length === 0,
            props: { checked: mine === answer },
          });
          radio.addEventListener('change', () => choices.set(slot.id, answer));
          return h('span', { class: 'choice' }, radio, h('label', { for: radioId }, t(`poll.${answer}`)));
        }),
      );
      const suggested = poll.suggested_slot_id === slot.id;
      const chosen = m.starts_at !== null && new Date(m.starts_at).getTime() === new Date(slot.starts_at).getTime();
      const canRemove = page.project.is_initiator && m.status === 'planning';
      const remove = canRemove
        ? h('button', { type: 'button', class: 'secondary small', 'aria-label': t('poll.removeSlot', { slot: view.primary }) }, t('poll.remove'))
        : null;
      remove?.addEventListener('click', async () => {
        const ok = await confirmDialog(t('poll.removeSlot', { slot: view.primary }), [t('poll.removeConfirm')], t('poll.remove'));
        if (!ok) return;
        await busy(remove, async () => {
          try {
            await api.removeSlot(m.id, slot.id);
            status.ok(t('poll.removed', { slot: view.primary }));
            choices.delete(slot.id);
            await page.refreshMeeting();
            lastKey = '';
            await refresh();
            await page.refreshGate();
          } catch (error) {
            status.error(error);
          }
        });
      });
      const choose =
        page.project.is_initiator && m.status === 'planning' && !chosen
          ? h('button', { type: 'button', class: suggested ? 'primary small' : 'secondary small' }, t('poll.choose'))
          : null;
      choose?.addEventListener(
        'click',
        () =>
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
          slotTimeNotes(slot),
        ),
        h(
          'td',
          null,
          t('poll.counts', { yes: slot.yes, maybe: slot.maybe, no: slot.no }),
          h('span', { class: 'muted block' }, missing.length ? t('poll.missing', { names: missing.join(', ') }) : t('poll.allAnswered')),
        ),
        h('td', null, group),
        h('td', null, choose, remove),
      );
    });
    const save = h('button', { type: 'button', class: 'primary' }, t('poll.saveAnswers'));
    save.addEventListener(
      'click',
      () =>
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
          h(
            'thead',
            null,
            h(
              'tr',
              null,
              h('th', { scope: 'col' }, t('poll.slot')),
              h('th', { scope: 'col' }, t('poll.answers')),
              h('th', { scope: 'col' }, t('poll.yours')),
              h('th', { scope: 'col' }, h('span', { class: 'visually-hidden' }, t('poll.choose'))),
            ),
          ),
          h('tbody', null, rows),
        ),
      ),
      page.myAccepted.length > 0 && page.meeting.status === 'planning' ? save : null,
      h(
        'p',
        { class: 'unanswered' },
        poll.unanswered_organizations.length
          ? t('poll.unanswered', { names: poll.unanswered_organizations.map((o) => o.organization_name).join(', ') })
          : t('poll.everyoneAnswered'),
      ),
      answersGrid(poll, m.timezone),
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
  onChange(ctx, refresh);

  return h(
    'section',
    { class: 'card poll-section', 'aria-labelledby': titleId },
    h('h2', { id: titleId }, t('poll.title')),
    body,
    status.el,
    page.meeting.status === 'planning' && page.project.is_initiator ? slotForm(page, refresh) : null,
  );
}

/** One row of the add-slots form: a date and a start time, and what the server said of it. */
interface SlotRow {
  el: HTMLElement;
  legend: HTMLElement;
  date: HTMLInputElement;
  time: HTMLInputElement;
  remove: HTMLButtonElement;
  /** What the server (or the time zone) said of this row; the summary line under the form is the one announced. */
  error: HTMLElement;
}

/**
 * Proposing slots, several at once: one row per slot (a new row takes the date of the one above
 * and the time a meeting's length later). Each row is posted in turn; the rows added leave the
 * form, those refused stay with what the server said, so nothing typed is lost.
 */
function slotForm(page: MeetingPage, refresh: () => Promise<void>): HTMLElement {
  const zone = page.meeting.timezone;
  const titleId = uid('slot');
  const status = feedback();
  const list = h('ol', { class: 'slot-rows' });
  const rows: SlotRow[] = [];
  const submit = h('button', { type: 'submit', class: 'primary' }, tn('poll.addSubmit', 1));
  const more = h('button', { type: 'button', class: 'secondary' }, t('poll.addRow'));

  const renumber = () => {
    rows.forEach((row, i) => {
      setText(row.legend, t('poll.row', { n: i + 1 }));
      row.remove.hidden = rows.length === 1;
      row.remove.setAttribute('aria-label', t('poll.removeRow', { n: i + 1 }));
    });
    setText(submit, tn('poll.addSubmit', rows.length));
  };
  const addRow = (date: string, time: string): SlotRow => {
    const dateField = field({ label: t('poll.date'), name: 'date', type: 'date', required: true, value: date });
    const timeField = field({ label: t('poll.time', { zone: zoneLabel(zone) }), name: 'time', type: 'time', required: true, value: time });
    const legend = h('legend', { class: 'visually-hidden' });
    const remove = h('button', { type: 'button', class: 'secondary small' }, t('poll.remove'));
    const error = h('p', { class: 'feedback', id: uid('slot-error') });
    for (const input of [dateField.input, timeField.input]) input.setAttribute('aria-describedby', error.id);
    const el = h('li', { class: 'slot-row' }, h('fieldset', { class: 'row wrap' }, legend, dateField.wrap, timeField.wrap, remove), error);
    const row: SlotRow = { el, legend, date: dateField.input as HTMLInputElement, time: timeField.input as HTMLInputElement, remove, error };
    remove.addEventListener('click', () => {
      const at = rows.indexOf(row);
      dropRow(row);
      rows[Math.min(at, rows.length - 1)]?.date.focus();
    });
    rows.push(row);
    list.append(el);
    renumber();
    return row;
  };
  const dropRow = (row: SlotRow) => {
    rows.splice(rows.indexOf(row), 1);
    row.el.remove();
    renumber();
  };
  const flag = (row: SlotRow, message: string) => {
    row.date.setAttribute('aria-invalid', 'true');
    row.time.setAttribute('aria-invalid', 'true');
    row.error.dataset.kind = 'error';
    setText(row.error, message);
  };

  more.addEventListener('click', () => {
    const last = rows[rows.length - 1];
    const row = addRow(last?.date.value ?? '', last ? timeAfter(last.time.value, page.meeting.duration_minutes) : '10:00');
    row.time.focus();
  });

  const form = h('form', { class: 'stack', 'aria-labelledby': titleId }, list, h('div', { class: 'actions' }, more, submit));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    status.clear();
    void busy(submit, async () => {
      let added = 0;
      const refused: SlotRow[] = [];
      let last: SlotRow | null = null;
      for (const row of [...rows]) {
        row.date.removeAttribute('aria-invalid');
        row.time.removeAttribute('aria-invalid');
        delete row.error.dataset.kind;
        setText(row.error, '');
        const startsAt = zonedToUtc(row.date.value, row.time.value, zone);
        if (!startsAt) {
          flag(row, t('poll.invalidTime'));
          refused.push(row);
          continue;
        }
        try {
          await api.addSlot(page.meeting.id, startsAt);
          added += 1;
          last = row;
        } catch (error) {
          flag(row, errorMessage(error));
          refused.push(row);
        }
      }
      // The rows added leave; a fresh one follows the last added when none is left.
      const next = last ? { date: last.date.value, time: timeAfter(last.time.value, page.meeting.duration_minutes) } : null;
      for (const row of [...rows]) if (!refused.includes(row)) dropRow(row);
      if (rows.length === 0 && next) addRow(next.date, next.time);
      if (refused.length === 0) status.ok(tn('poll.added', added));
      else status.error([added > 0 ? tn('poll.added', added) : '', tn('poll.rowsRefused', refused.length)].filter(Boolean).join(' '));
      if (added > 0) await refresh();
      return refused;
    }).then((refused) => (refused[0]?.date ?? submit).focus());
  });
  addRow('', '10:00');
  return h('div', { class: 'add-slot' }, h('h3', { id: titleId }, t('poll.add')), form, status.el);
}

/** Everyone's answers, by name: one row per person, one column per slot. */
function answersGrid(poll: Poll, zone: string): HTMLElement | null {
  if (poll.answers.length === 0) return null;
  const titleId = uid('grid');
  // Wider than a phone: it scrolls, so it takes the focus (keyboard users scroll it too).
  return h(
    'div',
    { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-labelledby': titleId },
    h(
      'table',
      { class: 'answers-grid', 'aria-labelledby': titleId },
      h('caption', { id: titleId }, t('poll.grid')),
      h(
        'thead',
        null,
        h(
          'tr',
          null,
          h('th', { scope: 'col' }, t('poll.person')),
          poll.slots.map((s) => h('th', { scope: 'col' }, formatDate(s.starts_at, 'slotShort', { timeZone: zone }))),
        ),
      ),
      h(
        'tbody',
        null,
        poll.answers.map((person) =>
          h(
            'tr',
            null,
            h('th', { scope: 'row' }, person.display_name),
            poll.slots.map((s) => {
              const answer = person.answers[s.id];
              return h('td', { dataset: { answer: answer ?? 'none' } }, answer ? t(`poll.${answer}`) : t('poll.noAnswer'));
            }),
          ),
        ),
      ),
    ),
  );
}

/** The slot poll: each partner's answers per slot, the suggested slot, choosing one, adding slots. */

import { type Answer, type Poll, ApiError, api } from '../../api';
import { every } from '../../app';
import { h, replace, uid } from '../../dom';
import { getLocale, t } from '../../i18n';
import { browserZone, describeSlot, zoneLabel, zonedToUtc } from '../../slots';
import { busy, confirmDialog, feedback, field } from '../../ui';
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

/** Everyone's answers, by name: one row per person, one column per slot. */
function answersGrid(poll: Poll, zone: string): HTMLElement | null {
  if (poll.answers.length === 0) return null;
  const titleId = uid('grid');
  const short = new Intl.DateTimeFormat(getLocale(), { weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', timeZone: zone });
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
          poll.slots.map((s) => h('th', { scope: 'col' }, short.format(new Date(s.starts_at)))),
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

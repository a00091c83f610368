/** The concertation gate as a checklist: what is missing partner by partner, recording the concertation, sending the convocation. */

import { type Readiness, type ReminderSent, ApiError, api } from '../../api';
import { onChange } from '../../app';
import { h, replace, setText } from '../../dom';
import { formatDate } from '../../dates';
import { canRecordConcertation, checklist } from '../../gate';
import { getLocale, t, tn } from '../../i18n';
import { browserZone, describeSlot } from '../../slots';
import { announce, busy, confirmDialog, errorMessage, feedback, field } from '../../ui';
import type { MeetingPage } from './page';

export function gateSection(page: MeetingPage, box: HTMLElement): void {
  const { ctx } = page;
  const list = h('ul', { class: 'checklist' });
  const summaryLine = h('p', { class: 'gate-summary', role: 'status', 'aria-live': 'polite' });
  const updated = h('p', { class: 'muted small' });
  const summary = field({ label: t('concertation.summary'), name: 'summary', multiline: true, rows: 3 });
  const record = h('button', { type: 'button', class: 'primary', disabled: true }, t('concertation.record'));
  const convene = h('button', { type: 'button', class: 'primary', disabled: true }, t('convocation.send'));
  const status = feedback();
  let readiness: Readiness | null = null;
  let reminders: ReminderSent[] = [];
  let lastKey = '';
  const remindBox = h('div', { class: 'stack reminders' });
  const remindStatus = feedback();
  const canRemind = page.meeting.status === 'planning' && page.project.is_initiator;

  /** A "Relancer" button per partner with something pending, disabled with the reason once used today. */
  const renderReminders = () => {
    if (!readiness || !canRemind) return;
    const pending = new Map<string, string>();
    for (const u of readiness.unmet) {
      if (u.organization_id && u.organization_id !== page.project.initiator_organization_id) {
        pending.set(u.organization_id, u.organization_name ?? t('gate.somePartner'));
      }
    }
    const now = Date.now();
    const lines = [...pending].map(([organizationId, name]) => {
      const last = reminders.find((r) => r.organization_id === organizationId && Date.parse(r.next_allowed_at) > now);
      const button = h(
        'button',
        { type: 'button', class: 'secondary', 'aria-label': t('reminders.remindLabel', { organization: name }), disabled: Boolean(last) },
        t('reminders.remind'),
      );
      button.addEventListener('click', () => {
        void busy(button, async () => {
          try {
            const result = await api.remind(page.meeting.id, organizationId);
            const skipped = result.skipped.find((s) => s.organization_id === organizationId);
            if (skipped?.reason === 'no_member') remindStatus.error(t('reminders.noMember', { organization: name }));
            else if (skipped) remindStatus.error(t('reminders.already', { when: skipped.next_at ? formatDate(skipped.next_at, 'momentShort') : '' }));
            else {
              const text = t('reminders.sent', { organization: name });
              remindStatus.ok(text);
              announce(text);
            }
          } catch (error) {
            remindStatus.error(error);
          }
          await refreshReminders();
        });
      });
      const when = last ? formatDate(last.next_allowed_at, 'momentShort') : '';
      return h(
        'li',
        { dataset: { organization: organizationId } },
        h('strong', null, name),
        ' ',
        button,
        last ? h('span', { class: 'muted small' }, ' ', t('reminders.already', { when })) : null,
      );
    });
    const key = JSON.stringify([[...pending], reminders.map((r) => r.sent_at)]);
    if (remindBox.dataset.key === key) return;
    remindBox.dataset.key = key;
    replace(
      remindBox,
      h('h3', null, t('reminders.title')),
      lines.length ? h('ul', null, lines) : h('p', { class: 'muted' }, t('reminders.none')),
      remindStatus.el,
    );
  };

  const refreshReminders = async () => {
    if (!canRemind) return;
    try {
      reminders = await api.reminders(page.meeting.id);
      renderReminders();
    } catch {
      /* the gate still shows; reminders come back at the next refresh */
    }
  };

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
            line.details.map((d) => h('span', { class: 'gate-detail block' }, d)),
            line.problems.length
              ? h(
                  'ul',
                  null,
                  line.problems.map((p) => h('li', null, p)),
                )
              : null,
          ),
        ),
      );
      setText(summaryLine, readiness.ready ? t('gate.ready') : t('gate.notReady'));
    }
    setText(updated, t('gate.updated', { time: formatDate(new Date(), 'clock') }));
    // Rule 7 (notice, representatives) is checked at the convocation, not at the record.
    const onlyConcertationMissing = canRecordConcertation(readiness.unmet);
    const planning = page.meeting.status === 'planning';
    record.disabled = !(planning && onlyConcertationMissing);
    convene.disabled = !(planning && readiness.ready);
    renderReminders();
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
        h(
          'ul',
          { class: 'recipients' },
          accepted.map((p) => h('li', null, t('convocation.confirmOrg', { organization: p.organization_name }))),
        ),
        m.location ? h('p', null, t('meeting.where', { where: m.location })) : '',
      ],
      t('convocation.send'),
    );
    if (!ok) return;
    await busy(convene, async () => {
      try {
        const sent = await api.convene(m.id);
        const text = tn('convocation.sent', sent.recipients.length, { emails: sent.recipients.join(', ') });
        announce(text);
        // Convened: the page changes (answers, decisions); the confirmation stays where it was.
        ctx.redraw({ key: 'after', text });
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
    canRemind ? remindBox : null,
    page.meeting.status === 'planning' && page.project.is_initiator
      ? h('div', { class: 'stack' }, summary.wrap, h('div', { class: 'actions' }, record, convene))
      : null,
    status.el,
  );
  void refresh();
  void refreshReminders();
  onChange(ctx, refresh);
}

function gateError(error: unknown): string {
  if (error instanceof ApiError && error.code === 'concertation_incomplete') {
    const lines = checklist({ unmet: error.unmet }, getLocale()).flatMap((l) => l.problems);
    return t('convocation.blocked', { reasons: lines.join(' ') });
  }
  return errorMessage(error);
}

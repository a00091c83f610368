/**
 * The meeting's agenda: co-edited live, and each accepted partner's agreement to the exact text.
 * Once convened, the agenda sent is frozen: an edit is shown as "changed since the convocation",
 * and the initiator sends it to the attendees once every convened partner agreed to it.
 */

import type * as Y from 'yjs';
import { type Agenda, type Readiness, api } from '../../api';
import { onChange } from '../../app';
import { h, replace, setText, uid } from '../../dom';
import { getLocale, t } from '../../i18n';
import { agendaItems } from '../../live';
import { announce, busy, confirmDialog, feedback } from '../../ui';
import { formatDate } from '../../dates';
import { agreementState } from '../../consent';
import { agendaEditor } from '../agendaEditor';
import { sameContent } from '../section';
import type { MeetingPage } from './page';

export function agendaSection(page: MeetingPage): HTMLElement {
  const { ctx, live, meeting } = page;
  const titleId = uid('agenda');
  const agreementsTitleId = uid('agenda-agreements');
  const holder = h('div', null, h('p', null, t('common.loading')));
  const status = feedback();
  const versionLine = h('p', { class: 'version' });
  const hint = h('p', { class: 'hint' });
  const agreementsList = h('ul', { class: 'agreements', 'aria-labelledby': agreementsTitleId });
  const agreeButtons = page.myAccepted.map((org) => ({
    org,
    button: h('button', { type: 'button', class: 'primary agree', dataset: { org: org.id } }, t('agenda.agreeButton', { organization: org.name })),
  }));
  const convened = convenedAgenda(page);
  let shown: Agenda | null = null;
  let list: Y.Array<Y.Map<unknown>> | null = null;
  let agreementsKey = '';

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
    const bound = shown !== null && list !== null && sameAgenda(shown, agendaItems(list));
    const empty = list === null || list.length === 0;
    // What an agreement would record: this very text (its fingerprint for the curious, on hover).
    setText(versionLine, shown && bound ? t('doc.version') : '');
    versionLine.title = shown && bound ? shown.content_hash : '';
    for (const { org, button } of agreeButtons) {
      const mine = shown?.agreements?.find((a) => a.organization_id === org.id);
      const already = agreementState(mine?.agreement) === 'current';
      button.disabled = !bound || empty || already;
    }
    let hintText = '';
    if (agreeButtons.length && empty) hintText = t('agenda.emptyCannotAgree');
    else if (shown && !bound && agreeButtons.length) hintText = t('agree.waitSync');
    setText(hint, hintText);
    renderAgreements();
  };

  const refresh = async () => {
    try {
      const data = await api.agenda(meeting.id);
      if (ctx.signal.aborted || !list) return;
      // A message about another version ("approved…") would mislead once the agenda changed.
      if (shown && shown.content_hash !== data.content_hash) status.clear();
      shown = data;
      renderState();
      await convened.refresh();
    } catch {
      /* next round */
    }
  };
  let debounce: number | undefined;

  for (const { org, button } of agreeButtons) {
    button.addEventListener(
      'click',
      () =>
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
          await convened.refresh();
        }).then(renderState),
    );
  }

  void (async () => {
    await live.whenSynced();
    if (ctx.signal.aborted) return;
    list = live.agenda(meeting.id);
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
          window.clearTimeout(debounce);
          debounce = window.setTimeout(() => void refresh(), 700);
        },
      }),
    );
    ctx.onLeave(() => window.clearTimeout(debounce));
    renderState();
    await refresh();
    onChange(ctx, refresh);
  })();

  return h(
    'section',
    { class: 'card agenda-section', 'aria-labelledby': titleId },
    h('h2', { id: titleId }, t('agenda.title')),
    convened.el,
    holder,
    versionLine,
    h('h3', { id: agreementsTitleId }, t('agenda.agreementsTitle')),
    agreementsList,
    agreeButtons.map((a) => a.button),
    hint,
    status.el,
  );
}

function sameAgenda(shown: Agenda, items: ReturnType<typeof agendaItems>): boolean {
  if (shown.items.length !== items.length) return false;
  return shown.items.every((s, i) => {
    const l = items[i]!;
    return sameContent(s.title, l.title) && sameContent(s.notes ?? '', l.notes) && s.duration_min === l.duration_min && (s.lead_org_id ?? '') === l.lead_org_id;
  });
}

/**
 * A convened meeting's agenda against the one its attendees were sent: nothing while they are
 * the same; otherwise "changed since the convocation", the agenda as sent, who still has to agree
 * to the new one and, for the initiator, the button that sends it once they all did.
 */
function convenedAgenda(page: MeetingPage): { el: HTMLElement; refresh(): Promise<void> } {
  const el = h('div', { class: 'agenda-convened', 'aria-live': 'polite' });
  const status = feedback();
  const send = h('button', { type: 'button', class: 'primary', disabled: true }, t('agenda.update.send'));
  let update: Readiness['agenda_update'] = null;
  let lastKey = '';
  send.addEventListener('click', async () => {
    const ok = await confirmDialog(t('agenda.update.send'), [t('agenda.update.confirm')], t('agenda.update.send'));
    if (!ok) return;
    await busy(send, async () => {
      try {
        page.meeting = await api.sendCurrentAgenda(page.meeting.id);
        status.ok(t('agenda.update.sent'));
        announce(t('agenda.update.sent'));
      } catch (error) {
        status.error(error);
      }
      await page.refreshMeeting();
      await refresh();
    });
  });
  const render = () => {
    const key = JSON.stringify([update, page.meeting.convened_agenda, getLocale()]);
    if (key === lastKey) return;
    lastKey = key;
    if (!update?.changed_since_convocation) {
      replace(el, status.el);
      return;
    }
    const waiting = update.unmet.filter((u) => u.rule === 'agenda_not_agreed').map((u) => u.organization_name ?? '');
    const empty = update.unmet.some((u) => u.rule === 'agenda_empty');
    const state = empty
      ? t('agenda.update.empty')
      : waiting.length
        ? t('agenda.update.waiting', { organizations: waiting.join(', ') })
        : t('agenda.update.ready');
    send.disabled = !update.ready;
    const sent = page.meeting.convened_agenda ?? [];
    replace(
      el,
      h('p', { class: 'changed-since-convocation', dataset: { state: 'changed' } }, h('strong', null, t('agenda.changedSinceConvocation'))),
      h(
        'details',
        { class: 'agenda-as-sent' },
        h('summary', null, t('agenda.asSent')),
        h(
          'ol',
          null,
          sent.map((item) => h('li', null, `${item.title} (${item.duration_min} min)${item.lead ? ` — ${item.lead}` : ''}`)),
        ),
      ),
      h('p', { class: 'agenda-update-state' }, state),
      page.project.is_initiator ? h('div', { class: 'actions' }, send) : null,
      status.el,
    );
  };
  const refresh = async () => {
    if (page.meeting.status !== 'convened') return;
    try {
      update = (await api.readiness(page.meeting.id)).agenda_update;
      render();
    } catch {
      /* next round */
    }
  };
  render();
  return { el, refresh };
}

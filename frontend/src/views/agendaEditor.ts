/**
 * The agenda editor: items of a meeting's Y.Array (title and notes co-edited as Y.Text),
 * add, reorder (buttons or drag and drop), edit, remove, with the total duration.
 */

import * as Y from 'yjs';
import { totalDuration, formatMinutes, overrun, parseDuration } from '../agenda';
import type { ViewContext } from '../app';
import { h, replace, setText, uid } from '../dom';
import { getLocale, t } from '../i18n';
import { type LiveSession, agendaItems, moveAgendaItem, newAgendaItem } from '../live';
import { bindText } from '../textbinding';
import { announce, confirmDialog } from '../ui';

export interface AgendaEditorOptions {
  live: LiveSession;
  list: Y.Array<Y.Map<unknown>>;
  meetingId: string;
  meetingMinutes: number;
  organizations: Array<{ id: string; name: string }>;
  /** Called after every change of the agenda (local or remote). */
  onChange?: () => void;
}

export function agendaEditor(ctx: ViewContext, opts: AgendaEditorOptions): HTMLElement {
  const { list, live } = opts;
  const items = h('ol', { class: 'agenda-items' });
  const total = h('p', { class: 'agenda-total', 'aria-live': 'polite' });
  const add = h('button', { type: 'button', class: 'secondary' }, t('agenda.add'));
  const empty = h('p', { class: 'empty' }, t('agenda.empty'));
  let unbinders: Array<() => void> = [];
  let dragFrom: number | null = null;
  // A removal is asked for, and can be undone: only this person's removals (by their origin), so
  // that undo never takes back someone else's edit.
  const REMOVAL = Symbol('agenda removal');
  const removals = new Y.UndoManager(list, { trackedOrigins: new Set([REMOVAL]), captureTimeout: 0 });
  const undoButton = h('button', { type: 'button', class: 'secondary small', dataset: { field: 'undo' } }, t('agenda.undo'));
  const undoText = h('span', null);
  const undoLine = h('p', { class: 'undo-line', role: 'status', hidden: true }, undoText, ' ', undoButton);
  undoButton.addEventListener('click', () => {
    removals.undo();
    undoLine.hidden = removals.undoStack.length === 0;
    announce(t('agenda.restored'));
  });

  const focusItem = (id: string, selector: string) => {
    const li = items.querySelector<HTMLElement>(`li[data-id="${CSS.escape(id)}"]`);
    li?.querySelector<HTMLElement>(selector)?.focus();
  };

  const renderTotal = () => {
    const sum = totalDuration(agendaItems(list));
    const over = overrun(sum, opts.meetingMinutes);
    setText(
      total,
      t('agenda.total', { total: formatMinutes(sum, getLocale()) }) + (over > 0 ? ` ${t('agenda.overrun', { over: formatMinutes(over, getLocale()) })}` : ''),
    );
    total.dataset.over = String(over > 0);
    empty.hidden = list.length > 0;
  };

  const render = () => {
    // Keep the focused control (and its selection) across a rebuild.
    const active = document.activeElement as HTMLInputElement | HTMLTextAreaElement | null;
    const activeLi = active?.closest?.('li[data-id]') as HTMLElement | null;
    const restore =
      activeLi && items.contains(activeLi)
        ? { id: activeLi.dataset.id!, field: active!.dataset.field ?? '', start: active!.selectionStart ?? null, end: active!.selectionEnd ?? null }
        : null;
    for (const u of unbinders) u();
    unbinders = [];
    const n = list.length;
    replace(
      items,
      list.toArray().map((item, index) => itemRow(item, index, n)),
    );
    if (restore) {
      const li = items.querySelector<HTMLElement>(`li[data-id="${CSS.escape(restore.id)}"]`);
      const el = li?.querySelector<HTMLInputElement>(`[data-field="${restore.field}"]`);
      if (el) {
        el.focus();
        if (restore.start !== null && 'setSelectionRange' in el && el.type !== 'number') {
          try {
            el.setSelectionRange(restore.start, restore.end ?? restore.start);
          } catch {
            /* not a text field */
          }
        }
      }
    }
    renderTotal();
  };

  const itemRow = (item: Y.Map<unknown>, index: number, count: number): HTMLElement => {
    const id = String(item.get('id') ?? '');
    const n = index + 1;
    const titleId = uid('agenda-title');
    const durationId = uid('agenda-duration');
    const leadId = uid('agenda-lead');
    const notesId = uid('agenda-notes');
    const title = h('input', { id: titleId, type: 'text', dataset: { field: 'title' }, class: 'agenda-title' });
    const notes = h('textarea', { id: notesId, rows: 2, dataset: { field: 'notes' } });
    const duration = h('input', { id: durationId, type: 'number', min: 0, max: 1440, step: 5, inputmode: 'numeric', dataset: { field: 'duration' } });
    duration.value = String(item.get('duration_min') ?? 0);
    duration.addEventListener('change', () => {
      const parsed = parseDuration(duration.value);
      if (parsed === null) {
        duration.setAttribute('aria-invalid', 'true');
        return;
      }
      duration.removeAttribute('aria-invalid');
      item.set('duration_min', parsed);
    });
    const lead = h(
      'select',
      { id: leadId, dataset: { field: 'lead' } },
      h('option', { value: '' }, t('agenda.noLead')),
      opts.organizations.map((o) => h('option', { value: o.id }, o.name)),
    );
    lead.value = String(item.get('lead_org_id') ?? '');
    lead.addEventListener('change', () => item.set('lead_org_id', lead.value));
    const titleText = item.get('title');
    const notesText = item.get('notes');
    if (titleText instanceof Y.Text) unbinders.push(bindText(titleText, title));
    if (notesText instanceof Y.Text) unbinders.push(bindText(notesText, notes));
    for (const el of [title, notes, duration, lead]) el.addEventListener('focus', () => live.setSection(`agenda:${opts.meetingId}`));

    const up = h('button', { type: 'button', class: 'icon', 'aria-label': t('agenda.up', { n }), disabled: index === 0, dataset: { field: 'up' } }, '↑');
    const down = h(
      'button',
      { type: 'button', class: 'icon', 'aria-label': t('agenda.down', { n }), disabled: index === count - 1, dataset: { field: 'down' } },
      '↓',
    );
    const remove = h('button', { type: 'button', class: 'icon danger', 'aria-label': t('agenda.remove', { n }), dataset: { field: 'remove' } }, '✕');
    const moveTo = (to: number, which: string) => {
      moveAgendaItem(list, index, to);
      announce(t('agenda.moved', { n: to + 1 }));
      const target = to === 0 && which === 'up' ? 'down' : to === count - 1 && which === 'down' ? 'up' : which;
      focusItem(id, `[data-field="${target}"]`);
    };
    up.addEventListener('click', () => moveTo(index - 1, 'up'));
    down.addEventListener('click', () => moveTo(index + 1, 'down'));
    remove.addEventListener('click', async () => {
      const itemTitle = String(item.get('title') ?? '').trim() || t('agenda.item', { n });
      const ok = await confirmDialog(t('agenda.remove', { n }), [t('agenda.removeConfirm', { title: itemTitle })], t('agenda.removeButton'));
      // The list may have changed while the dialog was open: remove the item where it is now.
      const at = list.toArray().findIndex((i) => i.get('id') === id);
      if (!ok || at < 0) return;
      list.doc?.transact(() => list.delete(at, 1), REMOVAL);
      setText(undoText, t('agenda.removedTitle', { title: itemTitle }));
      undoLine.hidden = false;
      undoButton.focus();
    });

    const li = h(
      'li',
      { class: 'agenda-item card', draggable: 'true', dataset: { id } },
      h(
        'div',
        { class: 'agenda-head' },
        h('span', { class: 'drag', title: t('agenda.drag'), 'aria-hidden': 'true' }, '⠿'),
        h('span', { class: 'agenda-n' }, t('agenda.item', { n })),
      ),
      h('div', { class: 'field' }, h('label', { for: titleId }, t('agenda.itemTitle')), title),
      h(
        'div',
        { class: 'row' },
        h('div', { class: 'field' }, h('label', { for: durationId }, t('agenda.duration')), duration),
        h('div', { class: 'field' }, h('label', { for: leadId }, t('agenda.lead')), lead),
      ),
      h('div', { class: 'field' }, h('label', { for: notesId }, t('agenda.notes')), notes),
      h('div', { class: 'actions' }, up, down, remove),
    );
    li.addEventListener('dragstart', (event) => {
      if ((event.target as Element) !== li) return;
      dragFrom = index;
      event.dataTransfer?.setData('text/plain', id);
      li.classList.add('dragging');
    });
    li.addEventListener('dragend', () => li.classList.remove('dragging'));
    li.addEventListener('dragover', (event) => {
      if (dragFrom !== null) event.preventDefault();
    });
    li.addEventListener('drop', (event) => {
      event.preventDefault();
      if (dragFrom === null) return;
      const from = dragFrom;
      dragFrom = null;
      if (from !== index) {
        moveAgendaItem(list, from, index);
        announce(t('agenda.moved', { n: index + 1 }));
      }
    });
    return li;
  };

  add.addEventListener('click', () => {
    const item = newAgendaItem({ duration_min: 15 });
    list.push([item]);
    focusItem(String(item.get('id')), '[data-field="title"]');
  });

  const observer = (events: Array<Y.YEvent<Y.AbstractType<unknown>>>) => {
    // Structure (items added, removed, moved) rebuilds; text changes are the bindings' job.
    const structural = events.some((e) => e.target === list);
    const fields = events.some((e) => e.target instanceof Y.Map);
    if (structural) render();
    else if (fields) {
      for (const e of events) {
        if (!(e.target instanceof Y.Map)) continue;
        const li = items.querySelector<HTMLElement>(`li[data-id="${CSS.escape(String(e.target.get('id')))}"]`);
        if (!li) continue;
        const d = li.querySelector<HTMLInputElement>('[data-field="duration"]');
        if (d && document.activeElement !== d) d.value = String(e.target.get('duration_min') ?? 0);
        const l = li.querySelector<HTMLSelectElement>('[data-field="lead"]');
        if (l) l.value = String(e.target.get('lead_org_id') ?? '');
      }
      renderTotal();
    }
    opts.onChange?.();
  };
  list.observeDeep(observer);
  ctx.onLeave(() => {
    list.unobserveDeep(observer);
    for (const u of unbinders) u();
    removals.destroy();
  });
  render();
  return h('div', { class: 'agenda-editor' }, empty, items, undoLine, h('div', { class: 'row' }, add), total);
}

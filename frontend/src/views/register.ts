/**
 * A project's decisions register: every decision with its positions and actions, filtered by
 * outcome, meeting and date range (kept in the address, so a filtered view can be shared), and
 * the same selection as a CSV file for spreadsheets.
 */

import { type Decision, type Meeting, type Partnership, type ProjectDetail, api } from '../api';
import { type ViewContext, onChange } from '../app';
import { h, replace, setText, uid } from '../dom';
import { DECISION_STATUSES, type RegisterFilters, filtersProblem, parseRegisterQuery, registerQuery } from '../followup';
import { getLocale, t, tn } from '../i18n';
import { errorMessage, feedback, rerender } from '../ui';
import { acceptedPartners, decisionCard, rightsFor } from './decisions';

export async function registerView(ctx: ViewContext): Promise<void> {
  const id = ctx.params.id!;
  replace(ctx.main, h('h1', null, t('register.title')), h('p', { role: 'status' }, t('common.loading')));
  let project: ProjectDetail;
  let partners: Partnership[];
  let meetings: Meeting[];
  try {
    [project, partners, meetings] = await Promise.all([api.project(id), api.partners(id), api.meetings(id).catch(() => [] as Meeting[])]);
  } catch (error) {
    replace(
      ctx.main,
      h('h1', null, t('notfound.title')),
      h('p', { role: 'alert' }, errorMessage(error)),
      h('p', null, h('a', { href: '/', 'data-nav': true }, t('nav.projects'))),
    );
    return;
  }
  if (ctx.signal.aborted) return;
  const rights = rightsFor(project);
  const accepted = acceptedPartners(partners);
  let filters: RegisterFilters = parseRegisterQuery(ctx.query);
  const items = new Map<string, string>();
  const itemsLoaded = new Set<string>();
  const status = feedback();

  // Filters
  const statusId = uid('f-status');
  const meetingId = uid('f-meeting');
  const fromId = uid('f-from');
  const toId = uid('f-to');
  const statusSelect = h(
    'select',
    { id: statusId, name: 'status' },
    h('option', { value: '' }, t('register.allStatuses')),
    DECISION_STATUSES.map((s) => h('option', { value: s }, t(`decision.status.${s}`))),
  );
  const meetingSelect = h(
    'select',
    { id: meetingId, name: 'meeting_id' },
    h('option', { value: '' }, t('register.allMeetings')),
    meetings.map((m) => h('option', { value: m.id }, m.title)),
  );
  const from = h('input', { type: 'date', id: fromId, name: 'from' });
  const to = h('input', { type: 'date', id: toId, name: 'to' });
  const filterError = h('p', { class: 'feedback', role: 'alert' });
  const show = (f: RegisterFilters) => {
    statusSelect.value = f.status;
    meetingSelect.value = f.meetingId;
    from.value = f.from;
    to.value = f.to;
  };
  show(filters);
  const apply = h('button', { type: 'submit', class: 'primary' }, t('register.apply'));
  const reset = h('button', { type: 'button', class: 'secondary' }, t('register.reset'));
  const filtersTitle = uid('filters');
  const form = h(
    'form',
    { class: 'card register-filters', 'aria-labelledby': filtersTitle, role: 'search' },
    h('h2', { id: filtersTitle }, t('register.filters')),
    h(
      'div',
      { class: 'row wrap' },
      h('div', { class: 'field' }, h('label', { for: statusId }, t('register.status')), statusSelect),
      h('div', { class: 'field' }, h('label', { for: meetingId }, t('register.meeting')), meetingSelect),
      h('div', { class: 'field' }, h('label', { for: fromId }, t('register.from')), from),
      h('div', { class: 'field' }, h('label', { for: toId }, t('register.to')), to),
    ),
    h('div', { class: 'actions' }, apply, reset),
    filterError,
  );

  const csv = h('a', { class: 'csv-link', download: 'decisions.csv' }, t('register.csv'));
  const count = h('p', { class: 'register-count', role: 'status', 'aria-live': 'polite' });
  const list = h('div', { class: 'decision-list' });
  let lastKey = '';

  const load = async () => {
    const query = registerQuery(filters);
    csv.href = api.decisionsCsvUrl(project.id, query, getLocale());
    let decisions: Decision[];
    try {
      decisions = await api.decisions(project.id, query);
    } catch (error) {
      status.error(error);
      return;
    }
    if (ctx.signal.aborted || query !== registerQuery(filters)) return;
    // The agenda items' titles, once per meeting that appears.
    const missing = [...new Set(decisions.filter((d) => d.agenda_item_id).map((d) => d.meeting_id))].filter((m) => !itemsLoaded.has(m));
    await Promise.all(
      missing.map(async (m) => {
        itemsLoaded.add(m);
        try {
          for (const item of (await api.agenda(m)).items) items.set(item.id, item.title);
        } catch {
          /* titles are a nicety */
        }
      }),
    );
    const key = JSON.stringify(decisions) + query + items.size;
    if (key === lastKey) return;
    lastKey = key;
    setText(count, decisions.length === 0 ? (query ? t('register.none') : t('register.empty')) : tn('register.count', decisions.length));
    rerender(list, () => decisions.map((d) => decisionCard(d, { rights, partners: accepted, items, showMeeting: true, onChanged: () => void load(), status })));
  };

  const setFilters = (next: RegisterFilters) => {
    filters = next;
    const query = registerQuery(filters);
    history.replaceState(history.state, '', `${location.pathname}${query ? `?${query}` : ''}`);
    lastKey = '';
    void load();
  };
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const next: RegisterFilters = { status: statusSelect.value as RegisterFilters['status'], meetingId: meetingSelect.value, from: from.value, to: to.value };
    const problem = filtersProblem(next);
    for (const el of [from, to]) el.removeAttribute('aria-invalid');
    if (problem) {
      const el = problem === 'to' ? to : from;
      el.setAttribute('aria-invalid', 'true');
      setText(filterError, problem === 'range' ? t('register.rangeError') : t('register.dateError'));
      filterError.dataset.kind = 'error';
      el.focus();
      return;
    }
    setText(filterError, '');
    setFilters(next);
  });
  reset.addEventListener('click', () => {
    const none: RegisterFilters = { status: '', meetingId: '', from: '', to: '' };
    show(none);
    setText(filterError, '');
    setFilters(none);
  });

  replace(
    ctx.main,
    h('p', { class: 'crumbs' }, h('a', { href: `/projects/${encodeURIComponent(project.id)}`, 'data-nav': true }, project.title)),
    h('h1', null, t('register.title')),
    form,
    h('p', { class: 'links' }, csv),
    count,
    status.el,
    list,
  );
  await load();
  onChange(ctx, load);
}

/**
 * "Temps des partenaires" on the project page: the minimum notice, each partner's time (budget,
 * planned, attended, valued) as a table and as a small bar chart, the CSV, and for a member of an
 * accepted partner the form that sets its yearly budget and hourly value.
 */

import { ApiError, type Partnership, type ProjectDetail } from '../api';
import { type ViewContext, onChange } from '../app';
import { barChartSvg, chartLegend } from '../chart';
import { h, replace, uid } from '../dom';
import { getLocale, t, tn } from '../i18n';
import { type PartnerTime, barChart, budgetBody, formatEuros, formatHours, partnerChartRows } from '../time';
import { timeApi } from '../timeApi';
import { announce, busy, errorMessage, feedback, field, flagField } from '../ui';

/** Where the page turns to its phone layout (style.css). */
export const NARROW = '(max-width: 40rem)';

/** "Préavis minimum : 14 jours." */
export function minNoticeLine(project: ProjectDetail): HTMLElement {
  return h('p', { class: 'min-notice' }, t('time.project.minNotice', { days: tn('time.notice.days', project.min_notice_days) }));
}

export function projectTimeSection(ctx: ViewContext, project: ProjectDetail, partners: Partnership[]): HTMLElement {
  const titleId = uid('project-time');
  const body = h('div', { class: 'project-time' }, h('p', null, t('common.loading')));
  const mine = new Map((project.my_organizations ?? []).map((o) => [o.organization_id, o.status]));
  const budgetable = partners.filter((p) => p.status === 'accepted' && mine.get(p.organization_id) === 'accepted');
  const forms = h('div', { class: 'budget-forms' });
  let rows: PartnerTime[] = [];
  let lastKey = '';
  // The chart is laid out for a phone or a wider screen: drawn again when that changes.
  const narrow = window.matchMedia?.(NARROW);
  const onResize = () => {
    lastKey = '';
    render();
  };
  narrow?.addEventListener('change', onResize);
  ctx.onLeave(() => narrow?.removeEventListener('change', onResize));

  const render = () => {
    const locale = getLocale();
    const key = JSON.stringify([rows, locale]);
    if (key === lastKey) return;
    lastKey = key;
    if (rows.length === 0) {
      replace(body, h('p', { class: 'empty' }, t('time.table.empty')));
      return;
    }
    const phone = narrow?.matches ?? false;
    const geometry = barChart(partnerChartRows(rows), phone ? { width: 300, labelsAbove: true, rowHeight: 30 } : { width: 640, left: 170 });
    const chartText = {
      title: t('time.chart.title'),
      description: t('time.chart.desc'),
      format: (v: number) => formatHours(v, locale),
      planned: t('time.chart.planned'),
      attended: t('time.chart.attended'),
      budget: t('time.chart.budget'),
    };
    const captionId = uid('time-caption');
    replace(
      body,
      barChartSvg(geometry, chartText),
      chartLegend(chartText),
      h(
        'div',
        { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-labelledby': captionId },
        h(
          'table',
          { class: 'time-table' },
          h('caption', { id: captionId }, t('time.table.caption')),
          h(
            'thead',
            null,
            h(
              'tr',
              null,
              h('th', { scope: 'col' }, t('time.table.partner')),
              h('th', { scope: 'col', class: 'num' }, t('time.table.budget')),
              h('th', { scope: 'col', class: 'num' }, t('time.table.planned')),
              h('th', { scope: 'col', class: 'num' }, t('time.table.attended')),
              h('th', { scope: 'col', class: 'num' }, t('time.table.value')),
            ),
          ),
          h(
            'tbody',
            null,
            rows.map((r) =>
              h(
                'tr',
                { dataset: { org: r.organization_id, over: String(r.hours_budget !== null && r.hours_planned > r.hours_budget) } },
                h('th', { scope: 'row' }, r.organization_name),
                h(
                  'td',
                  { class: 'num', dataset: { label: t('time.table.budget') } },
                  r.hours_budget === null ? t('time.table.noBudget') : formatHours(r.hours_budget, locale),
                ),
                h('td', { class: 'num planned', dataset: { label: t('time.table.planned') } }, formatHours(r.hours_planned, locale)),
                h('td', { class: 'num', dataset: { label: t('time.table.attended') } }, formatHours(r.hours_attended, locale)),
                h(
                  'td',
                  { class: 'num', dataset: { label: t('time.table.value') } },
                  r.value_eur === null ? t('time.table.noValue') : formatEuros(r.value_eur, locale),
                ),
              ),
            ),
          ),
        ),
      ),
    );
  };

  const refresh = async () => {
    try {
      rows = await timeApi.projectTime(project.id);
      render();
    } catch (error) {
      // Someone who does not take part yet (a consulted organization) is not shown the time.
      if (error instanceof ApiError && error.notFound) section.hidden = true;
      else if (lastKey === '') replace(body, h('p', { role: 'alert' }, errorMessage(error)));
    }
  };

  replace(
    forms,
    budgetable.map((p) =>
      budgetForm(
        project,
        p,
        () => rows.find((r) => r.organization_id === p.organization_id),
        async () => {
          await refresh();
        },
      ),
    ),
  );

  const section = h(
    'section',
    { class: 'card time-project-section', 'aria-labelledby': titleId },
    h('h2', { id: titleId }, t('time.project.title')),
    minNoticeLine(project),
    body,
    h('p', { class: 'links' }, h('a', { href: timeApi.projectTimeCsvUrl(project.id, getLocale()), download: 'time.csv' }, t('time.csv'))),
    forms,
  );
  void refresh().then(() => {
    // The forms start from the budget on record, once it is known.
    for (const form of forms.querySelectorAll<HTMLFormElement>('form[data-org]')) form.dispatchEvent(new Event('amont:fill'));
  });
  onChange(ctx, refresh);
  return section;
}

/** A partner's yearly budget and hourly value; a 400 names the field, shown on it. */
function budgetForm(project: ProjectDetail, partner: Partnership, current: () => PartnerTime | undefined, saved: () => Promise<void>): HTMLElement {
  const org = partner.organization_name;
  const titleId = uid('budget');
  const hours = field({ label: t('time.budget.hours'), name: 'hours_per_year', type: 'number', required: true, min: 0, max: 2000 });
  const rate = field({ label: t('time.budget.rate'), name: 'hourly_value_eur', type: 'number', min: 0, max: 1000 });
  rate.input.setAttribute('step', '0.01');
  hours.input.setAttribute('step', '1');
  const status = feedback();
  const submit = h('button', { type: 'submit', class: 'secondary' }, t('time.budget.save'));
  const form = h(
    'form',
    { class: 'stack budget-form', 'aria-labelledby': titleId, dataset: { org: partner.organization_id }, novalidate: true },
    h('h3', { id: titleId }, t('time.budget.title', { organization: org })),
    h('p', { class: 'help' }, t('time.budget.help', { organization: org })),
    h('div', { class: 'row wrap' }, hours.wrap, rate.wrap),
    h('div', { class: 'actions' }, submit),
    status.el,
  );
  form.addEventListener('amont:fill', () => {
    const row = current();
    if (row?.hours_budget !== null && row?.hours_budget !== undefined && hours.input.value === '') hours.input.value = String(row.hours_budget);
    if (row?.hourly_value_eur !== null && row?.hourly_value_eur !== undefined && rate.input.value === '') rate.input.value = String(row.hourly_value_eur);
  });
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void busy(submit, async () => {
      try {
        await timeApi.setTimeBudget(project.id, partner.organization_id, budgetBody(hours.input.value, rate.input.value));
        flagField(form, null);
        const text = t('time.budget.saved', { organization: org });
        status.ok(text);
        announce(text);
        await saved();
      } catch (error) {
        flagField(form, error);
        status.error(error);
      }
    });
  });
  return form;
}

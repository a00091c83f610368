/**
 * "Mes réunions" on the home page: the caller's convened meetings across projects for the next
 * eight weeks (`GET /api/me/meetings`), and their hours per week as a small bar chart, so that a
 * partner juggling many projects sees what a new meeting costs.
 */

import { type ViewContext } from '../app';
import { barChartSvg } from '../chart';
import { h, replace, uid } from '../dom';
import { getLocale, t } from '../i18n';
import { browserZone, describeSlot } from '../slots';
import { type MyMeetings, barChart, formatHours } from '../time';
import { timeApi } from '../timeApi';
import { errorMessage } from '../ui';
import { NARROW } from './projectTime';

export function myMeetingsSection(ctx: ViewContext): HTMLElement {
  const titleId = uid('my-meetings');
  const body = h('div', null, h('p', { role: 'status' }, t('common.loading')));
  // The chart is laid out for a phone or a wider screen: drawn again when that changes.
  const narrow = window.matchMedia?.(NARROW);
  let shown: MyMeetings | null = null;
  const onResize = () => {
    if (shown) replace(body, content(shown, narrow?.matches ?? false));
  };
  narrow?.addEventListener('change', onResize);
  ctx.onLeave(() => narrow?.removeEventListener('change', onResize));
  void timeApi.myMeetings().then(
    (mine) => {
      shown = mine;
      if (!ctx.signal.aborted) onResize();
    },
    (error: unknown) => {
      if (!ctx.signal.aborted) replace(body, h('p', { role: 'alert' }, errorMessage(error)));
    },
  );
  return h('section', { class: 'card my-meetings', 'aria-labelledby': titleId }, h('h2', { id: titleId }, t('time.mine.title')), body);
}

function content(mine: MyMeetings, phone: boolean): Node[] {
  if (mine.meetings.length === 0) return [h('p', { class: 'empty' }, t('time.mine.empty'))];
  const locale = getLocale();
  const day = new Intl.DateTimeFormat(locale, { day: 'numeric', month: 'short', timeZone: 'UTC' });
  const geometry = barChart(
    mine.hours_per_week.map((w) => ({ label: t('time.mine.week', { date: day.format(new Date(`${w.week}T00:00:00Z`)) }), planned: w.hours })),
    phone ? { width: 300, labelsAbove: true, rowHeight: 26 } : { width: 560, left: 150, rowHeight: 30 },
  );
  const zone = browserZone();
  return [
    h('p', { class: 'my-meetings-total' }, t('time.mine.total', { hours: formatHours(mine.total_hours, locale) })),
    mine.hours_per_week.length
      ? barChartSvg(
          geometry,
          {
            title: t('time.mine.chartTitle'),
            description: t('time.mine.chartDesc'),
            format: (v) => formatHours(v, locale),
            planned: t('time.chart.planned'),
          },
          'bar-chart week-chart',
        )
      : null,
    h(
      'ul',
      { class: 'my-meetings-list' },
      mine.meetings.map((m) =>
        h(
          'li',
          { dataset: { partstat: m.partstat.toUpperCase() } },
          h('a', { href: `/meetings/${encodeURIComponent(m.id)}`, 'data-nav': true }, m.title),
          m.partstat.toUpperCase() === 'DECLINED' ? h('span', { class: 'muted' }, ` (${t('time.mine.declined')})`) : null,
          h(
            'span',
            { class: 'muted block' },
            [
              m.starts_at ? describeSlot(m.starts_at, m.ends_at, m.timezone, zone, locale).primary : null,
              m.project_title,
              formatHours(m.duration_minutes / 60, locale),
            ]
              .filter(Boolean)
              .join(' · '),
          ),
        ),
      ),
    ),
  ].filter((n): n is NonNullable<typeof n> => n !== null);
}

/**
 * Partners' time, as people read it: hours and euros written the way their language writes them,
 * the notice a convocation would leave, budget warnings, and the geometry of the small bar charts
 * (hours per partner against its budget, hours per week). Pure: no DOM, no clock.
 */

import type { components } from './generated/openapi';
import { type Locale, t, tn } from './i18n';

type Schemas = components['schemas'];
export type Notice = Schemas['Notice'];
export type ReadinessWarning = Schemas['ReadinessWarning'];
export type PartnerTime = Schemas['PartnerTime'];
export type Representation = Schemas['Representation'];
export type AttendanceEntry = Schemas['AttendanceEntry'];
export type AttendanceStatus = Schemas['AttendanceStatus'];
export type TimeBudget = Schemas['TimeBudget'];
export type MyMeetings = Schemas['MyMeetings'];
export type MyMeeting = Schemas['MyMeeting'];
export type WeekHours = Schemas['WeekHours'];

export const ATTENDANCE_STATUSES: readonly AttendanceStatus[] = ['present', 'absent', 'excused'];

/** "52 h", "1,5 h" (fr), "1.5 h" (en): at most two decimals, a no-break space before the unit. */
export function formatHours(hours: number, locale: Locale): string {
  return `${new Intl.NumberFormat(locale, { maximumFractionDigits: 2 }).format(hours)}\u00a0h`;
}

/** "1 234,50 €" (fr), "€1,234.50" (en): euros to the cent, no decimals for whole amounts. */
export function formatEuros(value: number, locale: Locale): string {
  const whole = Number.isInteger(value);
  return new Intl.NumberFormat(locale, {
    style: 'currency',
    currency: 'EUR',
    minimumFractionDigits: whole ? 0 : 2,
    maximumFractionDigits: 2,
  }).format(value);
}

/** A list of names as the language joins them ("A, B et C" / "A, B, and C"). */
export function joinNames(names: string[], locale: Locale): string {
  return new Intl.ListFormat(locale, { style: 'long', type: 'conjunction' }).format(names);
}

/**
 * The notice a convocation sent now would leave, in one or two sentences: "Préavis : 5 jours (le
 * projet en demande 14)." then, when it is short, who accepted the short notice and who not yet.
 */
export function noticeSentences(notice: Notice, locale: Locale): string[] {
  const days = tn('time.notice.days', notice.days_left, {}, locale);
  const first = notice.short
    ? t('time.notice.short', { days, required: notice.required_days }, locale)
    : t('time.notice.enough', { days, required: notice.required_days }, locale);
  if (!notice.short) return [first];
  const agreed = notice.agreed_organizations.map((o) => o.organization_name);
  const missing = notice.missing_organizations.map((o) => o.organization_name);
  let second: string;
  if (agreed.length && missing.length)
    second = t('time.notice.agreedAndMissing', { agreed: joinNames(agreed, locale), missing: joinNames(missing, locale) }, locale);
  else if (agreed.length) second = t('time.notice.allAgreed', { agreed: joinNames(agreed, locale) }, locale);
  else second = t('time.notice.noneAgreed', { missing: joinNames(missing, locale) }, locale);
  return [first, second];
}

/** "Cette réunion porterait la CAF à 52 h sur un budget de 40 h cette année." */
export function warningSentence(warning: ReadinessWarning, locale: Locale): string {
  return t(
    'time.warning.budget',
    {
      organization: warning.organization_name,
      planned: formatHours(warning.hours_planned, locale),
      budget: formatHours(warning.hours_budget, locale),
    },
    locale,
  );
}

/** Whether the caller's organization still has to answer the short notice (it is short and it is missing). */
export function mustAnswerShortNotice(notice: Notice | null, organizationId: string): boolean {
  return notice !== null && notice.short && notice.missing_organizations.some((o) => o.organization_id === organizationId);
}

/** A bar of a horizontal bar chart, in the chart's coordinates (SVG user units). */
export interface Bar {
  label: string;
  /** Top of the row. */
  y: number;
  /** Where the label is written: left of the bar (ending there), or above it on a narrow chart. */
  labelX: number;
  labelY: number;
  labelAnchor: 'start' | 'end';
  /** The vertical middle of the bars. */
  mid: number;
  /** Where the figures are written: right of the bars (room is kept for them), or at the end of the label's line. */
  valueX: number;
  valueY: number;
  valueAnchor: 'start' | 'end';
  /** Planned hours: the lighter, taller bar. */
  planned: { x: number; width: number; value: number };
  /** Attended hours: the darker bar drawn inside it. */
  attended: { x: number; width: number; value: number } | null;
  /** Where the budget falls (a vertical mark), when there is one. */
  budgetX: number | null;
  budget: number | null;
}

export interface ChartGeometry {
  width: number;
  height: number;
  /** Where the bars start (after the labels). */
  left: number;
  /** Width of the plot area. */
  plot: number;
  /** The value at the right end of the axis (a round number at least the largest value). */
  max: number;
  /** Values of the axis ticks, with their x. */
  ticks: Array<{ value: number; x: number }>;
  rows: Bar[];
  rowHeight: number;
  /** Height of the axis line's position (under the last row). */
  axisY: number;
}

export interface ChartRow {
  label: string;
  planned: number;
  attended?: number | null;
  budget?: number | null;
}

/** The smallest "round" number (1, 2, 5 × 10ⁿ) at least `value`; 1 for nothing. */
export function niceMax(value: number): number {
  if (!(value > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 5, 10]) if (step * power >= value - 1e-9) return step * power;
  return 10 * power;
}

/**
 * Lays out a horizontal bar chart: one row per entry, planned and attended hours as bars on one
 * scale, the budget as a mark. Widths are never negative and never pass the plot area.
 */
export function barChart(
  rows: ChartRow[],
  opts: { width?: number; left?: number; rowHeight?: number; ticks?: number; labelsAbove?: boolean } = {},
): ChartGeometry {
  const width = opts.width ?? 640;
  const above = opts.labelsAbove ?? false;
  // Labels above the bars (a phone): the bars take the whole width, each row is taller.
  const left = above ? 12 : (opts.left ?? 160);
  const rowHeight = (opts.rowHeight ?? 36) + (above ? 18 : 0);
  // Beside the bars, room for the figures ("12,5 h / 40 h") at their right.
  const right = above ? 12 : 100;
  const top = 8;
  const plot = Math.max(1, width - left - right);
  const largest = Math.max(0, ...rows.flatMap((r) => [r.planned, r.attended ?? 0, r.budget ?? 0]));
  const max = niceMax(largest);
  const scale = (v: number) => Math.min(plot, Math.max(0, (v / max) * plot));
  const count = opts.ticks ?? 4;
  const ticks = Array.from({ length: count + 1 }, (_, i) => {
    const value = (max * i) / count;
    return { value, x: left + scale(value) };
  });
  const bars: Bar[] = rows.map((r, i) => {
    const y = top + i * rowHeight;
    const labelY = y + (above ? 9 : rowHeight / 2);
    const mid = y + (above ? 18 + (rowHeight - 18) / 2 : rowHeight / 2);
    const planned = { x: left, width: scale(r.planned), value: r.planned };
    const attended = r.attended === null || r.attended === undefined ? null : { x: left, width: scale(r.attended), value: r.attended };
    const end = left + Math.max(planned.width, attended?.width ?? 0);
    return {
      label: r.label,
      y,
      labelX: above ? left : left - 8,
      labelY,
      labelAnchor: above ? 'start' : 'end',
      mid,
      valueX: above ? width - right : end + 6,
      valueY: above ? labelY : mid,
      valueAnchor: above ? 'end' : 'start',
      planned,
      attended,
      budgetX: r.budget === null || r.budget === undefined ? null : left + scale(r.budget),
      budget: r.budget ?? null,
    };
  });
  const axisY = top + rows.length * rowHeight;
  return { width, height: axisY + 28, left, plot, max, ticks, rows: bars, rowHeight, axisY };
}

/** The time table's rows as the chart draws them. */
export function partnerChartRows(rows: PartnerTime[]): ChartRow[] {
  return rows.map((r) => ({ label: r.organization_name, planned: r.hours_planned, attended: r.hours_attended, budget: r.hours_budget }));
}

/** The body of `PUT /api/meetings/{id}/attendance`: the people whose status was chosen. */
export function attendanceBody(choices: Map<string, AttendanceStatus>): { attendance: Array<{ user_id: string; status: AttendanceStatus }> } {
  return { attendance: [...choices].map(([user_id, status]) => ({ user_id, status })) };
}

/**
 * What the budget form sends: the hours and the hourly value (a comma accepted as the decimal
 * separator), null when the value is left empty. Empty hours are left out, so that the server
 * names the field (400 `field`) rather than the form guessing.
 */
export function budgetBody(hours: string, rate: string): { hours_per_year?: number; hourly_value_eur: number | null } {
  const num = (s: string) => Number(s.trim().replace(',', '.'));
  return { ...(hours.trim() === '' ? {} : { hours_per_year: num(hours) }), hourly_value_eur: rate.trim() === '' ? null : num(rate) };
}

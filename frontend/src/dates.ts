/**
 * Every date and time the app shows, through `Intl.DateTimeFormat` in the UI language, one named
 * style per use: a moment (in the viewer's time zone, or the meeting's when it is the meeting's
 * time), a calendar day (`YYYY-MM-DD`, the same in every zone), a time of day. English reads as
 * in Europe (day, month, year; 24 hours), like the French it sits beside.
 */

import { type Locale, getLocale } from './i18n';

const STYLES = {
  /** "30 novembre 2026 à 14:04" */
  moment: { dateStyle: 'long', timeStyle: 'short' },
  /** "30 nov. 2026, 14:04" */
  momentShort: { dateStyle: 'medium', timeStyle: 'short' },
  /** "14:04:09" */
  clock: { timeStyle: 'medium' },
  /** "14:04" */
  time: { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' },
  /** "jeudi 3 décembre 2026" */
  weekday: { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' },
  /** "3 décembre" */
  dayMonth: { day: 'numeric', month: 'long' },
  /** "jeu. 3 déc., 10:00" (a column of the poll's grid) */
  slotShort: { weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' },
} satisfies Record<string, Intl.DateTimeFormatOptions>;

export type DateStyle = keyof typeof STYLES;

/** The `Intl` locale of a UI language. */
export function intlLocale(locale: Locale): string {
  return locale === 'fr' ? 'fr-FR' : 'en-GB';
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(style: DateStyle | 'day' | 'dayMedium', locale: Locale, timeZone: string | undefined): Intl.DateTimeFormat {
  const key = `${style}|${locale}|${timeZone ?? ''}`;
  let found = formatters.get(key);
  if (!found) {
    const options: Intl.DateTimeFormatOptions =
      style === 'day' ? { dateStyle: 'long' } : style === 'dayMedium' ? { dateStyle: 'medium' } : { ...STYLES[style] };
    found = new Intl.DateTimeFormat(intlLocale(locale), timeZone ? { ...options, timeZone } : options);
    formatters.set(key, found);
  }
  return found;
}

/**
 * A moment (RFC 3339 or a `Date`) in the UI language, in `timeZone` (a meeting's, for its time;
 * the viewer's otherwise).
 */
export function formatDate(value: string | Date, style: DateStyle = 'moment', opts: { timeZone?: string; locale?: Locale } = {}): string {
  const date = typeof value === 'string' ? new Date(value) : value;
  if (Number.isNaN(date.getTime())) return String(value);
  return formatter(style, opts.locale ?? getLocale(), opts.timeZone).format(date);
}

/** `2026-12-03` → "3 décembre 2026" / "3 December 2026", whatever the viewer's time zone. */
export function formatDay(isoDate: string, locale: Locale = getLocale(), style: 'long' | 'medium' = 'long'): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(isoDate) || Number.isNaN(Date.parse(`${isoDate}T12:00:00Z`))) return isoDate;
  return formatter(style === 'long' ? 'day' : 'dayMedium', locale, 'UTC').format(new Date(`${isoDate}T12:00:00Z`));
}

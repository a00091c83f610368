/** Pure helpers of the agenda editor: total duration, reordering, formatting minutes. */

import { type Locale, t } from './i18n';

/** The sum of the items' durations, ignoring values that are not positive finite numbers. */
export function totalDuration(items: ReadonlyArray<{ duration_min: unknown }>): number {
  let total = 0;
  for (const item of items) {
    const d = item.duration_min;
    if (typeof d === 'number' && Number.isFinite(d) && d > 0) total += Math.round(d);
  }
  return total;
}

/** A copy of `items` with the element at `from` moved to index `to` (clamped). */
export function move<T>(items: readonly T[], from: number, to: number): T[] {
  const copy = items.slice();
  if (from < 0 || from >= copy.length) return copy;
  const target = Math.max(0, Math.min(copy.length - 1, to));
  const [moved] = copy.splice(from, 1);
  copy.splice(target, 0, moved as T);
  return copy;
}

/** Parses a duration typed by someone: whole minutes, 0‥1440; null when not valid. */
export function parseDuration(raw: string): number | null {
  const trimmed = raw.trim();
  if (!/^\d{1,4}$/.test(trimmed)) return null;
  const value = Number(trimmed);
  return value >= 0 && value <= 1440 ? value : null;
}

/** "1 h 30", "45 min", "2 h" (fr) / "1 h 30 min", "45 min", "2 h" (en). */
export function formatMinutes(minutes: number, locale: Locale): string {
  const m = Math.max(0, Math.round(minutes));
  const hours = Math.floor(m / 60);
  const rest = m % 60;
  if (hours === 0) return t('duration.minutes', { m: rest }, locale);
  if (rest === 0) return t('duration.hours', { h: hours }, locale);
  return t('duration.hoursMinutes', { h: hours, m: rest.toString().padStart(2, '0') }, locale);
}

/** Whether the agenda fits in the meeting's duration. */
export function overrun(total: number, meetingMinutes: number | null | undefined): number {
  if (!meetingMinutes || meetingMinutes <= 0) return 0;
  return Math.max(0, total - meetingMinutes);
}

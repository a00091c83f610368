/**
 * Time slots across time zones, with `Intl` only. A meeting has an IANA time zone; slots are
 * proposed as wall-clock times in that zone, stored in UTC, and shown in the meeting's zone and
 * also in the viewer's when it differs. Pure (the viewer's zone is a parameter).
 */

import { formatDate } from './dates';
import type { Locale } from './i18n';

interface Wall {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
}

const partsFormatters = new Map<string, Intl.DateTimeFormat>();

function wallTime(instant: Date, timeZone: string): Wall {
  let fmt = partsFormatters.get(timeZone);
  if (!fmt) {
    fmt = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
    });
    partsFormatters.set(timeZone, fmt);
  }
  const get = (type: string) => Number(fmt.formatToParts(instant).find((p) => p.type === type)?.value);
  return { year: get('year'), month: get('month'), day: get('day'), hour: get('hour') % 24, minute: get('minute') };
}

/** The zone's offset from UTC at `instant`, in minutes (Paris: 60 in winter, 120 in summer). */
export function zoneOffsetMinutes(instant: Date, timeZone: string): number {
  const w = wallTime(instant, timeZone);
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute);
  const truncated = Math.floor(instant.getTime() / 60000) * 60000;
  return Math.round((asUtc - truncated) / 60000);
}

export function isValidTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}

/**
 * The UTC instant (RFC 3339, `Z`) of a wall-clock time in `timeZone`, from `YYYY-MM-DD` and
 * `HH:MM`. A time that does not exist (the spring-forward gap) gives null; an ambiguous one (the
 * autumn hour that happens twice) gives the first occurrence.
 */
export function zonedToUtc(date: string, time: string, timeZone: string): string | null {
  const d = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  const tm = /^(\d{2}):(\d{2})$/.exec(time);
  if (!d || !tm) return null;
  const wall: Wall = { year: +d[1]!, month: +d[2]!, day: +d[3]!, hour: +tm[1]!, minute: +tm[2]! };
  if (wall.month < 1 || wall.month > 12 || wall.day < 1 || wall.day > 31 || wall.hour > 23 || wall.minute > 59) return null;
  const naive = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute);
  // Candidates from the offsets around that day; keep those that give back the same wall time.
  const offsets = new Set([
    zoneOffsetMinutes(new Date(naive - 86_400_000), timeZone),
    zoneOffsetMinutes(new Date(naive), timeZone),
    zoneOffsetMinutes(new Date(naive + 86_400_000), timeZone),
  ]);
  const matches = [...offsets]
    .map((offset) => naive - offset * 60000)
    .filter((ms) => {
      const back = wallTime(new Date(ms), timeZone);
      return back.year === wall.year && back.month === wall.month && back.day === wall.day && back.hour === wall.hour && back.minute === wall.minute;
    })
    .sort((a, b) => a - b);
  const first = matches[0];
  return first === undefined ? null : new Date(first).toISOString().replace('.000Z', 'Z');
}

/** `YYYY-MM-DD` and `HH:MM` of an instant in a zone (to prefill forms). */
export function utcToZoned(iso: string, timeZone: string): { date: string; time: string } {
  const w = wallTime(new Date(iso), timeZone);
  const p = (n: number) => n.toString().padStart(2, '0');
  return { date: `${w.year}-${p(w.month)}-${p(w.day)}`, time: `${p(w.hour)}:${p(w.minute)}` };
}

/** "mardi 3 décembre 2026, 10:00 – 11:00" in `timeZone`. */
export function formatRange(startIso: string, endIso: string | null, timeZone: string, locale: Locale): string {
  const opts = { timeZone, locale };
  const day = formatDate(startIso, 'weekday', opts);
  const from = formatDate(startIso, 'time', opts);
  if (!endIso) return `${day}, ${from}`;
  const sameDay = utcToZoned(startIso, timeZone).date === utcToZoned(endIso, timeZone).date;
  const to = sameDay ? formatDate(endIso, 'time', opts) : `${formatDate(endIso, 'dayMonth', opts)} ${formatDate(endIso, 'time', opts)}`;
  return `${day}, ${from}\u202f–\u202f${to}`;
}

/** "Europe/Paris" → "Paris" for display; the IANA name is kept in a title attribute. */
export function zoneLabel(timeZone: string): string {
  const last = timeZone.split('/').pop() ?? timeZone;
  return last.replace(/_/g, ' ');
}

export interface SlotView {
  /** In the meeting's zone, with the zone named. */
  primary: string;
  /** In the viewer's zone, when its wall time differs; else null. */
  viewer: string | null;
}

export function describeSlot(startIso: string, endIso: string | null, meetingZone: string, viewerZone: string, locale: Locale): SlotView {
  const primary = `${formatRange(startIso, endIso, meetingZone, locale)} (${zoneLabel(meetingZone)})`;
  if (viewerZone === meetingZone || !isValidTimeZone(viewerZone)) return { primary, viewer: null };
  const inMeeting = formatRange(startIso, endIso, meetingZone, locale);
  const inViewer = formatRange(startIso, endIso, viewerZone, locale);
  return { primary, viewer: inViewer === inMeeting ? null : `${inViewer} (${zoneLabel(viewerZone)})` };
}

/** The browser's zone, or UTC when unknown. */
export function browserZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
}

/**
 * The wall-clock time `minutes` after `time` (`HH:MM`) on the same day: what the next row of the
 * add-slots form proposes (one date, several times). Past midnight, or not a time: `time` itself.
 */
export function timeAfter(time: string, minutes: number): string {
  const m = /^(\d{2}):(\d{2})$/.exec(time);
  if (!m) return time;
  const total = Number(m[1]) * 60 + Number(m[2]) + minutes;
  if (total >= 24 * 60) return time;
  return `${String(Math.floor(total / 60)).padStart(2, '0')}:${String(total % 60).padStart(2, '0')}`;
}

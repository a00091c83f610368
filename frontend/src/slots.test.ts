import { describe, expect, it } from 'vitest';
import { describeSlot, formatRange, timeAfter, utcToZoned, zoneOffsetMinutes, zonedToUtc } from './slots';

describe('zonedToUtc (Europe/Paris)', () => {
  it('uses +1 in winter and +2 in summer', () => {
    expect(zonedToUtc('2026-12-03', '10:00', 'Europe/Paris')).toBe('2026-12-03T09:00:00Z');
    expect(zonedToUtc('2026-06-15', '10:00', 'Europe/Paris')).toBe('2026-06-15T08:00:00Z');
  });
  it('handles the spring-forward day (2026-03-29): 02:30 does not exist', () => {
    expect(zonedToUtc('2026-03-29', '01:30', 'Europe/Paris')).toBe('2026-03-29T00:30:00Z');
    expect(zonedToUtc('2026-03-29', '02:30', 'Europe/Paris')).toBeNull();
    expect(zonedToUtc('2026-03-29', '03:00', 'Europe/Paris')).toBe('2026-03-29T01:00:00Z');
    expect(zonedToUtc('2026-03-29', '10:00', 'Europe/Paris')).toBe('2026-03-29T08:00:00Z');
  });
  it('handles the fall-back day (2026-10-25): 02:30 happens twice, the first is taken', () => {
    expect(zonedToUtc('2026-10-25', '02:30', 'Europe/Paris')).toBe('2026-10-25T00:30:00Z');
    expect(zonedToUtc('2026-10-25', '03:30', 'Europe/Paris')).toBe('2026-10-25T02:30:00Z');
    expect(zonedToUtc('2026-10-25', '10:00', 'Europe/Paris')).toBe('2026-10-25T09:00:00Z');
  });
  it('refuses malformed input', () => {
    expect(zonedToUtc('2026-13-01', '10:00', 'Europe/Paris')).toBeNull();
    expect(zonedToUtc('2026-12-01', '25:00', 'Europe/Paris')).toBeNull();
    expect(zonedToUtc('1/12/2026', '10:00', 'Europe/Paris')).toBeNull();
  });
  it('round-trips through utcToZoned', () => {
    for (const [d, tm] of [
      ['2026-03-29', '03:15'],
      ['2026-10-25', '01:59'],
      ['2027-01-01', '00:00'],
    ] as const) {
      const utc = zonedToUtc(d, tm, 'Europe/Paris')!;
      expect(utcToZoned(utc, 'Europe/Paris')).toEqual({ date: d, time: tm });
    }
  });
});

describe('offsets and display', () => {
  it('knows the offsets around the switches', () => {
    expect(zoneOffsetMinutes(new Date('2026-03-29T00:59:00Z'), 'Europe/Paris')).toBe(60);
    expect(zoneOffsetMinutes(new Date('2026-03-29T01:00:00Z'), 'Europe/Paris')).toBe(120);
    expect(zoneOffsetMinutes(new Date('2026-10-25T00:59:00Z'), 'Europe/Paris')).toBe(120);
    expect(zoneOffsetMinutes(new Date('2026-10-25T01:00:00Z'), 'Europe/Paris')).toBe(60);
  });
  it('formats a range in the meeting zone', () => {
    expect(formatRange('2026-12-03T09:00:00Z', '2026-12-03T11:00:00Z', 'Europe/Paris', 'fr')).toBe('jeudi 3 décembre 2026, 10:00\u202f–\u202f12:00');
    // On the fall-back day, a 2-hour meeting from 01:30 ends at 02:30 (winter time).
    expect(formatRange('2026-10-24T23:30:00Z', '2026-10-25T01:30:00Z', 'Europe/Paris', 'en')).toBe('Sunday, 25 October 2026, 01:30\u202f–\u202f02:30');
  });
  it('adds the viewer zone only when the wall time differs', () => {
    const same = describeSlot('2026-12-03T09:00:00Z', '2026-12-03T10:00:00Z', 'Europe/Paris', 'Europe/Paris', 'fr');
    expect(same.viewer).toBeNull();
    expect(same.primary).toBe('jeudi 3 décembre 2026, 10:00\u202f–\u202f11:00 (Paris)');
    expect(describeSlot('2026-12-03T09:00:00Z', null, 'Europe/Paris', 'Europe/Brussels', 'fr').viewer).toBeNull();
    const reunion = describeSlot('2026-12-03T09:00:00Z', '2026-12-03T10:00:00Z', 'Europe/Paris', 'Indian/Reunion', 'fr');
    expect(reunion.viewer).toBe('jeudi 3 décembre 2026, 13:00\u202f–\u202f14:00 (Reunion)');
  });
});

describe('timeAfter (the next row of the add-slots form)', () => {
  it('adds the meeting’s length on the same day', () => {
    expect(timeAfter('10:00', 90)).toBe('11:30');
    expect(timeAfter('09:45', 15)).toBe('10:00');
  });
  it('keeps the time past midnight, or when it is not one', () => {
    expect(timeAfter('23:00', 90)).toBe('23:00');
    expect(timeAfter('', 60)).toBe('');
  });
});

import { describe, expect, it } from 'vitest';
import { formatDate, formatDay } from './dates';

describe('formatDate: one helper, the UI language, the zone asked for', () => {
  const at = '2026-12-03T09:05:00Z';
  it('writes a moment in French and in European English', () => {
    expect(formatDate(at, 'moment', { locale: 'fr', timeZone: 'Europe/Paris' })).toBe('3 décembre 2026 à 10:05');
    expect(formatDate(at, 'moment', { locale: 'en', timeZone: 'Europe/Paris' })).toBe('3 December 2026 at 10:05');
  });
  it('follows the meeting’s time zone when given one', () => {
    expect(formatDate(at, 'time', { locale: 'en', timeZone: 'America/Cayenne' })).toBe('06:05');
    expect(formatDate(at, 'weekday', { locale: 'fr', timeZone: 'Pacific/Auckland' })).toBe('jeudi 3 décembre 2026');
  });
  it('leaves what is not a date as it is', () => {
    expect(formatDate('soon', 'moment', { locale: 'fr' })).toBe('soon');
  });
});

describe('formatDay', () => {
  it('reads a calendar day the same in every zone', () => {
    expect(formatDay('2026-12-03', 'fr')).toBe('3 décembre 2026');
    expect(formatDay('2026-12-03', 'en')).toBe('3 December 2026');
    expect(formatDay('2026-12-03', 'fr', 'medium')).toBe('3 déc. 2026');
    expect(formatDay('not a date', 'fr')).toBe('not a date');
  });
});

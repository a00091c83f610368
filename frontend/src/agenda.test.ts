import { describe, expect, it } from 'vitest';
import { formatMinutes, move, overrun, parseDuration, totalDuration } from './agenda';

describe('agenda helpers', () => {
  it('sums durations, ignoring bad values', () => {
    expect(totalDuration([])).toBe(0);
    expect(totalDuration([{ duration_min: 15 }, { duration_min: 30 }, { duration_min: 45 }])).toBe(90);
    expect(totalDuration([{ duration_min: -5 }, { duration_min: 'x' }, { duration_min: NaN }, { duration_min: 10 }])).toBe(10);
  });
  it('moves items and clamps', () => {
    expect(move(['a', 'b', 'c'], 0, 2)).toEqual(['b', 'c', 'a']);
    expect(move(['a', 'b', 'c'], 2, 0)).toEqual(['c', 'a', 'b']);
    expect(move(['a', 'b', 'c'], 1, 99)).toEqual(['a', 'c', 'b']);
    expect(move(['a', 'b', 'c'], 1, -3)).toEqual(['b', 'a', 'c']);
    const original = ['a', 'b'];
    expect(move(original, 5, 0)).toEqual(['a', 'b']);
    expect(original).toEqual(['a', 'b']);
  });
  it('parses durations', () => {
    expect(parseDuration(' 45 ')).toBe(45);
    expect(parseDuration('0')).toBe(0);
    expect(parseDuration('1441')).toBeNull();
    expect(parseDuration('1.5')).toBeNull();
    expect(parseDuration('')).toBeNull();
  });
  it('formats minutes', () => {
    expect(formatMinutes(45, 'fr')).toBe('45\u00a0min');
    expect(formatMinutes(120, 'fr')).toBe('2\u00a0h');
    expect(formatMinutes(95, 'fr')).toBe('1\u00a0h\u00a035');
    expect(formatMinutes(65, 'en')).toBe('1 h 05 min');
  });
  it('computes the overrun', () => {
    expect(overrun(130, 120)).toBe(10);
    expect(overrun(100, 120)).toBe(0);
    expect(overrun(100, 0)).toBe(0);
  });
});

import { describe, expect, it } from 'vitest';
import { agreementState } from './consent';

describe('agreementState', () => {
  it('tells none, current, stale and objected apart', () => {
    expect(agreementState(null)).toBe('none');
    expect(agreementState(undefined)).toBe('none');
    expect(agreementState({ decision: 'agree', current: true })).toBe('current');
    expect(agreementState({ decision: 'agree', current: false })).toBe('stale');
    expect(agreementState({ decision: 'object', current: true })).toBe('objected');
    expect(agreementState({ decision: 'object', current: false })).toBe('objected');
  });
});

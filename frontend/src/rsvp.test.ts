import { describe, expect, test } from 'vitest';
import type { Attendee } from './api';
import { answerOf, ownAttendance, RSVP_ANSWERS } from './rsvp';

const row = (email: string, partstat: Attendee['partstat'] = 'NEEDS-ACTION'): Attendee => ({
  email,
  organization_id: 'org',
  partstat,
  display_name: email,
  role: 'REQ-PARTICIPANT',
  responded_at: null,
});

describe('answering a convocation in the app', () => {
  test('finds the caller among the attendees, whatever the case of the address', () => {
    const attendees = [row('ines@mjc.example', 'ACCEPTED'), row('Sophie@CAF.example')];
    expect(ownAttendance(attendees, 'sophie@caf.example')?.email).toBe('Sophie@CAF.example');
    expect(ownAttendance(attendees, ' ines@mjc.example ')?.partstat).toBe('ACCEPTED');
    expect(ownAttendance(attendees, 'paul@mjc.example')).toBeNull();
    expect(ownAttendance([], 'ines@mjc.example')).toBeNull();
  });

  test('the organizer, who chairs, is not asked to answer', () => {
    const attendees = [
      { ...row('ines@mjc.example', 'ACCEPTED'), role: 'CHAIR' as const },
      { ...row('sophie@caf.example'), role: 'REQ-PARTICIPANT' as const },
    ];
    expect(ownAttendance(attendees, 'ines@mjc.example')).toBeNull();
    expect(ownAttendance(attendees, 'sophie@caf.example')?.role).toBe('REQ-PARTICIPANT');
  });

  test('reads the answer on record from PARTSTAT, none before the first answer', () => {
    expect(answerOf('ACCEPTED')).toBe('accepted');
    expect(answerOf('TENTATIVE')).toBe('tentative');
    expect(answerOf('DECLINED')).toBe('declined');
    expect(answerOf('NEEDS-ACTION')).toBeNull();
    expect(answerOf('DELEGATED')).toBeNull();
  });

  test('offers the three answers the server accepts, in the order of the email', () => {
    expect(RSVP_ANSWERS).toEqual(['accepted', 'tentative', 'declined']);
  });
});

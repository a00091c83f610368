/**
 * Answering a convocation in the app: which attendee row is the caller's, and the three answers
 * (`PUT /api/meetings/{id}/rsvp`), the same as the links of the convocation email.
 */

import type { Attendee } from './api';

export type RsvpAnswer = 'accepted' | 'tentative' | 'declined';

/** In the order they are offered. */
export const RSVP_ANSWERS: readonly RsvpAnswer[] = ['accepted', 'tentative', 'declined'];

/**
 * The caller's row among the attendees (addresses compare case-insensitively) when they have an
 * answer to give: not when they were not convened, nor when they chair the meeting (the
 * organizer, who is not asked to answer their own meeting).
 */
export function ownAttendance(attendees: readonly Attendee[], email: string): Attendee | null {
  const wanted = email.trim().toLowerCase();
  // One's own row always carries the address (others' may be hidden: null).
  const mine = attendees.find((a) => (a.email ?? '').trim().toLowerCase() === wanted);
  return mine && mine.role !== 'CHAIR' ? mine : null;
}

/** The answer a PARTSTAT records, or null while there is none (`NEEDS-ACTION`). */
export function answerOf(partstat: string): RsvpAnswer | null {
  const answer = partstat.toLowerCase();
  return (RSVP_ANSWERS as readonly string[]).includes(answer) ? (answer as RsvpAnswer) : null;
}

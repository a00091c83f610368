/**
 * Pure rules of the membership screens: how members are listed, where a login link leads, and
 * which sentence explains a refused link. No DOM, no network: unit-tested in membership.test.ts.
 */

import type { Membership, SessionResult } from './api';
import type { MessageKey } from './i18n';

/** Active members (admins first, then by name, the caller among them) and pending requests (oldest first). */
export function sortMembers(members: Membership[], _me: string): { active: Membership[]; pending: Membership[] } {
  const byName = (a: Membership, b: Membership) => a.display_name.localeCompare(b.display_name, undefined, { sensitivity: 'base' });
  const active = members.filter((m) => m.status === 'active').sort((a, b) => (a.role === b.role ? byName(a, b) : a.role === 'admin' ? -1 : 1));
  const pending = members.filter((m) => m.status === 'pending').sort((a, b) => (a.requested_at ?? '').localeCompare(b.requested_at ?? '') || byName(a, b));
  return { active, pending };
}

const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/**
 * Where a person goes once a link logged them in: a consultation's contact to the project when
 * they are a member (they may answer), else to the read-only consultation; someone who joined an
 * organization to its members page; otherwise the `project` of the link, then `next`.
 */
export function afterLogin(result: SessionResult, project: string | null, next: string | null): string {
  const c = result.consultation;
  if (c && UUID.test(c.project_id) && UUID.test(c.organization_id)) {
    return c.member ? `/projects/${c.project_id}` : `/consultations/${c.project_id}/${c.organization_id}`;
  }
  if (result.joined && UUID.test(result.joined.organization_id)) return `/organizations/${result.joined.organization_id}`;
  if (project && UUID.test(project)) return `/projects/${project}`;
  return next ?? '/';
}

const REASONS = ['used', 'expired', 'unknown', 'revoked', 'consultation_over'] as const;

/** The sentence for a refused link, from the server's `reason`. */
export function refusedLinkMessage(reason: unknown): MessageKey {
  return (REASONS as readonly unknown[]).includes(reason) ? (`login.reason.${reason as (typeof REASONS)[number]}` as MessageKey) : 'login.failed';
}

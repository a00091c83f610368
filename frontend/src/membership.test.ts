import { describe, expect, it } from 'vitest';
import type { Membership } from './api';
import { afterLogin, refusedLinkMessage, sortMembers } from './membership';

const P = '11111111-2222-3333-4444-555555555555';
const O = '66666666-7777-8888-9999-000000000000';

function m(name: string, role: 'admin' | 'member', status: 'active' | 'pending', requested_at: string | null = null): Membership {
  return { user_id: name, display_name: name, email: `${name}@x.fr`, role, status, requested_at, decided_at: null };
}

describe('sortMembers', () => {
  it('lists admins first then by name, and pending requests apart, oldest first', () => {
    const { active, pending } = sortMembers(
      [
        m('zoé', 'member', 'active'),
        m('Élise', 'admin', 'active'),
        m('anna', 'member', 'active'),
        m('Bob', 'admin', 'active'),
        m('late', 'member', 'pending', '2026-11-30T10:00:00Z'),
        m('early', 'member', 'pending', '2026-11-29T10:00:00Z'),
      ],
      'anna',
    );
    expect(active.map((x) => x.display_name)).toEqual(['Bob', 'Élise', 'anna', 'zoé']);
    expect(pending.map((x) => x.display_name)).toEqual(['early', 'late']);
  });
});

describe('afterLogin', () => {
  const user = { id: 'u', email: 'a@b.fr', display_name: 'A', locale: 'fr' as const };
  it('sends a member contact to the project, a non-member to the read-only consultation', () => {
    expect(afterLogin({ user, api_token: 't', consultation: { project_id: P, organization_id: O, member: true } }, null, null)).toBe(`/projects/${P}`);
    expect(afterLogin({ user, api_token: 't', consultation: { project_id: P, organization_id: O, member: false } }, P, null)).toBe(`/consultations/${P}/${O}`);
  });
  it('sends someone who joined to the members page, else the project, else next', () => {
    expect(afterLogin({ user, api_token: 't', joined: { organization_id: O, name: 'CAF' } }, null, '/actions')).toBe(`/organizations/${O}`);
    expect(afterLogin({ user, api_token: 't' }, P, '/actions')).toBe(`/projects/${P}`);
    expect(afterLogin({ user, api_token: 't' }, 'not-a-uuid/../x', '/actions')).toBe('/actions');
    expect(afterLogin({ user, api_token: 't', consultation: { project_id: '../x', organization_id: O, member: true } }, null, null)).toBe('/');
  });
});

describe('refusedLinkMessage', () => {
  it('explains each reason the server gives, and falls back for others', () => {
    expect(refusedLinkMessage('used')).toBe('login.reason.used');
    expect(refusedLinkMessage('consultation_over')).toBe('login.reason.consultation_over');
    expect(refusedLinkMessage('something')).toBe('login.failed');
    expect(refusedLinkMessage(undefined)).toBe('login.failed');
  });
});

-- Who speaks for an organization (API.md, "Who speaks for an organization").
--
-- `memberships` holds active members only: every access check already reads it, so a person
-- waiting for an admin's decision cannot reach anything by construction. Requests to join live
-- apart, in `membership_requests`, until an admin approves (a membership row is written) or
-- refuses.

-- Look-alike names: the key a person would take two names for the same institution by
-- (domain::organization::name_key). Computed by Amont: rows written before this migration get
-- theirs when the server starts (db::backfill_name_keys).
ALTER TABLE organizations ADD COLUMN name_key text;
CREATE INDEX organizations_name_key_idx ON organizations (name_key);
ALTER TABLE organizations ADD COLUMN siren text CHECK (siren ~ '^[0-9]{9}$');

ALTER TABLE memberships ADD COLUMN requested_at timestamptz;
ALTER TABLE memberships ADD COLUMN decided_at timestamptz;
-- Who decided (no foreign key: the audit trail keeps the actor, and a second key to users
-- would make the memberships–users join ambiguous).
ALTER TABLE memberships ADD COLUMN decided_by uuid;

CREATE TABLE membership_requests (
    id               uuid PRIMARY KEY,
    organization_id  uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    user_id          uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    status           text NOT NULL CHECK (status IN ('pending', 'approved', 'refused', 'withdrawn')),
    requested_at     timestamptz NOT NULL DEFAULT now(),
    decided_at       timestamptz,
    decided_by       uuid,
    CHECK ((status = 'pending') = (decided_at IS NULL))
);
-- At most one request waits per person and organization.
CREATE UNIQUE INDEX membership_requests_pending_key
    ON membership_requests (organization_id, user_id) WHERE status = 'pending';
CREATE INDEX membership_requests_user_idx ON membership_requests (user_id);

-- Domains an organization vouches for: an address there may join at once.
CREATE TABLE organization_domains (
    organization_id  uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    domain           text NOT NULL CHECK (domain = lower(domain) AND position('.' in domain) > 1),
    verified_by      uuid REFERENCES users (id) ON DELETE SET NULL,
    verified_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (organization_id, domain)
);
CREATE INDEX organization_domains_domain_idx ON organization_domains (domain);

-- What a link is for. A consultation link logs its contact in and may be used again (on another
-- device) until the partnership is answered or the link expires; withdrawing or re-inviting the
-- partner revokes it. A membership link (an admin adding a colleague) makes its user a member.
ALTER TABLE magic_links ADD COLUMN purpose text NOT NULL DEFAULT 'login'
    CHECK (purpose IN ('login', 'consultation', 'membership'));
ALTER TABLE magic_links ADD COLUMN role text CHECK (role IN ('admin', 'member'));
ALTER TABLE magic_links ADD COLUMN revoked_at timestamptz;
UPDATE magic_links SET purpose = 'consultation' WHERE project_id IS NOT NULL;
ALTER TABLE magic_links ADD CONSTRAINT magic_links_purpose_fields CHECK (
    (purpose = 'login' AND organization_id IS NULL AND project_id IS NULL)
    OR (purpose = 'consultation' AND organization_id IS NOT NULL AND project_id IS NOT NULL)
    OR (purpose = 'membership' AND organization_id IS NOT NULL AND role IS NOT NULL));
CREATE INDEX magic_links_consultation_idx ON magic_links (project_id, organization_id)
    WHERE purpose = 'consultation';

-- Existing data. Everyone stays an active member, except people who joined only as the contact
-- of an organization that already had members (audited `membership.joined_as_contact`): the
-- old rule let anyone named as contact take a seat; they now wait for an admin's decision.
CREATE TEMPORARY TABLE demoted ON COMMIT DROP AS
SELECT m.organization_id, m.user_id, m.created_at
FROM memberships m
WHERE EXISTS (
        SELECT 1 FROM audit_events a
        WHERE a.action = 'membership.joined_as_contact'
          AND a.actor_user_id = m.user_id AND a.organization_id = m.organization_id)
  AND EXISTS (
        SELECT 1 FROM memberships earlier
        WHERE earlier.organization_id = m.organization_id
          AND earlier.user_id <> m.user_id
          AND earlier.created_at < m.created_at);

INSERT INTO membership_requests (id, organization_id, user_id, status, requested_at)
SELECT gen_random_uuid(), organization_id, user_id, 'pending', created_at FROM demoted;

DELETE FROM memberships m USING demoted d
WHERE m.organization_id = d.organization_id AND m.user_id = d.user_id;

INSERT INTO audit_events (project_id, actor_user_id, actor_organization_id, action, organization_id, details)
SELECT NULL, NULL, NULL, 'membership.made_pending', organization_id,
       jsonb_build_object('user_id', user_id, 'reason', 'joined only as the contact of an organization that had members')
FROM demoted;

-- A contact who was the first member of the organization an invitation created becomes its
-- admin, as the new rule makes them, when it has none.
UPDATE memberships m SET role = 'admin'
WHERE m.role = 'member'
  AND EXISTS (
        SELECT 1 FROM audit_events a
        WHERE a.action = 'membership.joined_as_contact'
          AND a.actor_user_id = m.user_id AND a.organization_id = m.organization_id)
  AND NOT EXISTS (
        SELECT 1 FROM memberships other
        WHERE other.organization_id = m.organization_id
          AND (other.role = 'admin' OR other.created_at < m.created_at));

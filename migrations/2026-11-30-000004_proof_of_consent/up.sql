-- Proof of consent (API.md, "Proof of consent"): the instance's signing keys, a signed receipt for
-- every consent, and attestations of the partnership sheet. Receipts of consents recorded before
-- this migration are signed by Amont right after it (workflow::receipts::sign_missing), with
-- their original dates: SQL cannot sign.

-- Ed25519 keys. A key is never deleted: what it signed must keep verifying, so every key stays in
-- the published set (GET /.well-known/jwks.json). A rotation retires the signing key and adds one.
CREATE TABLE signing_keys (
    -- RFC 7638 thumbprint (SHA-256, base64url) of the public JWK: the JWS header's `kid`.
    kid          text PRIMARY KEY,
    public_key   bytea NOT NULL CHECK (length(public_key) = 32),
    -- PKCS#8 DER. NULL for a key read from AMONT_SIGNING_KEY_FILE: only its public half is kept.
    private_key  bytea,
    source       text NOT NULL CHECK (source IN ('database', 'file')),
    created_at   timestamptz NOT NULL DEFAULT now(),
    -- Set when a newer key took over: it signs nothing more and stays published.
    retired_at   timestamptz,
    CHECK ((source = 'database') = (private_key IS NOT NULL))
);
-- At most one database key signs at a time.
CREATE UNIQUE INDEX signing_keys_one_active ON signing_keys (source)
    WHERE retired_at IS NULL AND source = 'database';

-- One signed receipt per consent: a partnership's acceptance, or an agreement (mission, agenda,
-- short notice). Append-only, like the consents themselves.
CREATE TABLE consent_receipts (
    -- The receipt's `jti`.
    id               uuid PRIMARY KEY,
    kind             text NOT NULL CHECK (kind IN ('partnership.accepted', 'mission.agreed',
                                                   'agenda.agreed', 'short_notice.agreed')),
    project_id       uuid NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    organization_id  uuid NOT NULL REFERENCES organizations (id),
    -- The row that records the consent (an agreement's id); NULL for an acceptance, which is a
    -- state of the partnership row and is told apart by its date.
    record_id        uuid,
    -- The meeting of an agenda or short-notice agreement.
    meeting_id       uuid,
    user_id          uuid NOT NULL REFERENCES users (id),
    content_hash     text,
    decision         text NOT NULL,
    -- When the consent was given (not when it was signed).
    at               timestamptz NOT NULL,
    kid              text NOT NULL REFERENCES signing_keys (kid),
    jws              text NOT NULL,
    signed_at        timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX consent_receipts_record_key ON consent_receipts (kind, record_id)
    WHERE record_id IS NOT NULL;
CREATE UNIQUE INDEX consent_receipts_acceptance_key ON consent_receipts (project_id, organization_id, at)
    WHERE kind = 'partnership.accepted';
CREATE INDEX consent_receipts_project_idx ON consent_receipts (project_id, organization_id, at DESC);

-- Signed snapshots of the partnership sheet, each with a public verification link.
CREATE TABLE attestations (
    -- The attestation's `jti`.
    id           uuid PRIMARY KEY,
    project_id   uuid NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    -- The secret part of the public link `/verify/{token}`. Kept in clear, unlike login tokens:
    -- the link is made to be printed in grant files, the initiator must be able to copy it again,
    -- and it opens nothing that this table does not already hold (ADR 15).
    token        text NOT NULL UNIQUE,
    created_by   uuid NOT NULL REFERENCES users (id),
    kid          text NOT NULL REFERENCES signing_keys (kid),
    jws          text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    revoked_at   timestamptz,
    -- Who revoked it (no foreign key: a second key to users would make joins ambiguous).
    revoked_by   uuid,
    CHECK ((revoked_at IS NULL) = (revoked_by IS NULL))
);
CREATE INDEX attestations_project_idx ON attestations (project_id, created_at DESC);

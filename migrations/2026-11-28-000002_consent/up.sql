-- Accounts and sessions: magic links and session/API tokens are stored as SHA-256 hashes only.
CREATE TABLE magic_links (
    id               uuid PRIMARY KEY,
    email            text NOT NULL,
    token_hash       bytea NOT NULL UNIQUE,
    -- A consultation link also makes its user a member of this organization.
    organization_id  uuid REFERENCES organizations (id) ON DELETE CASCADE,
    project_id       uuid,
    created_at       timestamptz NOT NULL DEFAULT now(),
    expires_at       timestamptz NOT NULL,
    used_at          timestamptz
);
CREATE INDEX magic_links_email_idx ON magic_links (email, created_at);

CREATE TABLE sessions (
    id            uuid PRIMARY KEY,
    user_id       uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash    bytea NOT NULL UNIQUE,
    created_at    timestamptz NOT NULL DEFAULT now(),
    last_seen_at  timestamptz NOT NULL DEFAULT now(),
    revoked_at    timestamptz
);
CREATE INDEX sessions_user_idx ON sessions (user_id);

-- Projects and partnerships.
CREATE TABLE projects (
    id                         uuid PRIMARY KEY,
    title                      text NOT NULL CHECK (length(btrim(title)) BETWEEN 1 AND 300),
    summary                    text NOT NULL DEFAULT '',
    initiator_organization_id  uuid NOT NULL REFERENCES organizations (id),
    status                     text NOT NULL DEFAULT 'draft'
                               CHECK (status IN ('draft', 'concertation', 'active', 'closed')),
    created_by                 uuid NOT NULL REFERENCES users (id),
    created_at                 timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE partnerships (
    project_id       uuid NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    organization_id  uuid NOT NULL REFERENCES organizations (id),
    status           text NOT NULL CHECK (status IN ('invited', 'accepted', 'declined', 'withdrawn')),
    contact_email    text,
    proposed_role    text,
    invited_by       uuid REFERENCES users (id),
    invited_at       timestamptz NOT NULL DEFAULT now(),
    answered_at      timestamptz,
    answered_by      uuid REFERENCES users (id),
    comment          text,
    PRIMARY KEY (project_id, organization_id)
);
CREATE INDEX partnerships_organization_idx ON partnerships (organization_id);

-- The project document (one yrs document per project): an append-only log of lib0 v1 updates,
-- and a snapshot holding the merge of every update up to `snapshot_through`.
CREATE TABLE documents (
    project_id        uuid PRIMARY KEY REFERENCES projects (id) ON DELETE CASCADE,
    snapshot          bytea NOT NULL,
    snapshot_through  bigint NOT NULL DEFAULT 0,
    updated_at        timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE document_updates (
    id          bigserial PRIMARY KEY,
    project_id  uuid NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    update      bytea NOT NULL,
    user_id     uuid REFERENCES users (id),
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX document_updates_project_idx ON document_updates (project_id, id);

-- Consent: append-only. An agreement counts only while the section still hashes to content_hash.
CREATE TABLE agreements (
    id               uuid PRIMARY KEY,
    project_id       uuid NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    organization_id  uuid NOT NULL REFERENCES organizations (id),
    subject          text NOT NULL CHECK (subject IN ('mission', 'agenda')),
    -- The mission's organization, or the agenda's meeting.
    subject_id       uuid NOT NULL,
    content_hash     text NOT NULL,
    content          text NOT NULL,
    decision         text NOT NULL CHECK (decision IN ('agree', 'object')),
    comment          text,
    user_id          uuid NOT NULL REFERENCES users (id),
    created_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX agreements_subject_idx ON agreements (project_id, subject, subject_id, organization_id, created_at DESC);

-- Every consent-relevant event, with its actor.
CREATE TABLE audit_events (
    id                     bigserial PRIMARY KEY,
    project_id             uuid REFERENCES projects (id) ON DELETE CASCADE,
    actor_user_id          uuid REFERENCES users (id),
    actor_organization_id  uuid REFERENCES organizations (id),
    action                 text NOT NULL,
    organization_id        uuid REFERENCES organizations (id),
    details                jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at             timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audit_events_project_idx ON audit_events (project_id, id);

-- Every email: written in the transaction of the change that causes it, fully rendered (so a
-- retry sends the very same bytes, Message-ID included), delivered later by the outbox worker.
CREATE TABLE outbox (
    id               bigserial PRIMARY KEY,
    message_id       text NOT NULL UNIQUE,
    kind             text NOT NULL,
    recipient        text NOT NULL,
    raw              bytea NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    attempts         integer NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz NOT NULL DEFAULT now(),
    locked_until     timestamptz,
    sent_at          timestamptz,
    last_error       text
);
CREATE INDEX outbox_pending_idx ON outbox (next_attempt_at) WHERE sent_at IS NULL;

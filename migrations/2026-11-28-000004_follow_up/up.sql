-- What meetings decided, who stood where, and who does what by when.
CREATE TABLE decisions (
    id              uuid PRIMARY KEY,
    project_id      uuid NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    meeting_id      uuid NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
    agenda_item_id  text,
    title           text NOT NULL CHECK (length(btrim(title)) BETWEEN 1 AND 300),
    text            text NOT NULL DEFAULT '',
    status          text NOT NULL CHECK (status IN ('adopted', 'rejected', 'deferred')),
    created_by      uuid NOT NULL REFERENCES users (id),
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX decisions_project_idx ON decisions (project_id, created_at);

CREATE TABLE decision_positions (
    decision_id      uuid NOT NULL REFERENCES decisions (id) ON DELETE CASCADE,
    organization_id  uuid NOT NULL REFERENCES organizations (id),
    position         text NOT NULL CHECK (position IN ('consent', 'objection', 'abstention')),
    comment          text,
    PRIMARY KEY (decision_id, organization_id)
);

CREATE TABLE actions (
    id                     uuid PRIMARY KEY,
    project_id             uuid NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    decision_id            uuid NOT NULL REFERENCES decisions (id) ON DELETE CASCADE,
    title                  text NOT NULL CHECK (length(btrim(title)) BETWEEN 1 AND 300),
    owner_organization_id  uuid NOT NULL REFERENCES organizations (id),
    due_on                 date NOT NULL,
    status                 text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done', 'cancelled')),
    created_by             uuid NOT NULL REFERENCES users (id),
    created_at             timestamptz NOT NULL DEFAULT now(),
    updated_by             uuid NOT NULL REFERENCES users (id),
    updated_at             timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX actions_project_idx ON actions (project_id, due_on);
CREATE INDEX actions_owner_open_idx ON actions (owner_organization_id, due_on) WHERE status = 'open';

-- At most one follow-up digest per person per day: the row is inserted in the transaction that
-- queues the email, so a second run of the same day finds it and sends nothing.
CREATE TABLE digests (
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    sent_on     date NOT NULL,
    outbox_id   bigint NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, sent_on)
);

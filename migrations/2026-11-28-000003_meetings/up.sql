-- Meetings of a project: the availability poll, the concertation record, the convocation and
-- its attendees, and the per-user calendar feeds.
CREATE TABLE meetings (
    id                         uuid PRIMARY KEY,
    project_id                 uuid NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    title                      text NOT NULL CHECK (length(btrim(title)) BETWEEN 1 AND 300),
    duration_minutes           integer NOT NULL CHECK (duration_minutes BETWEEN 5 AND 1440),
    timezone                   text NOT NULL,
    location                   text,
    video_url                  text,
    status                     text NOT NULL DEFAULT 'planning'
                               CHECK (status IN ('planning', 'convened', 'cancelled', 'held')),
    starts_at                  timestamptz,
    ends_at                    timestamptz,
    -- The iCalendar SEQUENCE: changed only by an update or a cancellation after convocation.
    sequence                   integer NOT NULL DEFAULT 0 CHECK (sequence >= 0),
    -- The iCalendar UID, stable for the meeting's whole life.
    uid                        text NOT NULL UNIQUE,
    -- Who sent the convocation (the ORGANIZER), and for which organization.
    organizer_user_id          uuid REFERENCES users (id),
    organizer_organization_id  uuid REFERENCES organizations (id),
    -- The agenda as convened (what the invitations carry), frozen at convocation.
    convened_agenda            jsonb,
    convened_at                timestamptz,
    cancelled_at               timestamptz,
    created_by                 uuid NOT NULL REFERENCES users (id),
    created_at                 timestamptz NOT NULL DEFAULT now(),
    CHECK ((starts_at IS NULL) = (ends_at IS NULL)),
    CHECK (ends_at IS NULL OR ends_at > starts_at),
    CHECK (status = 'planning' OR status = 'cancelled' OR starts_at IS NOT NULL)
);
CREATE INDEX meetings_project_idx ON meetings (project_id, created_at);

-- Candidate time slots of the availability poll.
CREATE TABLE meeting_slots (
    id          uuid PRIMARY KEY,
    meeting_id  uuid NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
    starts_at   timestamptz NOT NULL,
    ends_at     timestamptz NOT NULL CHECK (ends_at > starts_at),
    created_by  uuid NOT NULL REFERENCES users (id),
    created_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (meeting_id, starts_at)
);

-- One answer per person per slot.
CREATE TABLE availability_answers (
    slot_id     uuid NOT NULL REFERENCES meeting_slots (id) ON DELETE CASCADE,
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    meeting_id  uuid NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
    answer      text NOT NULL CHECK (answer IN ('yes', 'maybe', 'no')),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (slot_id, user_id)
);
CREATE INDEX availability_answers_meeting_idx ON availability_answers (meeting_id);

-- The recorded closing of the upstream concertation; append-only, the latest one counts.
-- `evidence` freezes what the gate saw: partners, content hashes, agreements, the slot.
CREATE TABLE concertation_records (
    id                      uuid PRIMARY KEY,
    meeting_id              uuid NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
    project_id              uuid NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    summary                 text NOT NULL,
    recorded_by             uuid NOT NULL REFERENCES users (id),
    recorded_for            uuid NOT NULL REFERENCES organizations (id),
    evidence                jsonb NOT NULL,
    created_at              timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX concertation_records_meeting_idx ON concertation_records (meeting_id, created_at DESC);

-- Who a convocation went to, their answer (iCalendar PARTSTAT), and their RSVP link's hash.
CREATE TABLE meeting_attendees (
    meeting_id       uuid NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
    email            text NOT NULL,
    user_id          uuid REFERENCES users (id) ON DELETE SET NULL,
    organization_id  uuid NOT NULL REFERENCES organizations (id),
    display_name     text NOT NULL,
    locale           text NOT NULL DEFAULT 'fr' CHECK (locale IN ('fr', 'en')),
    role             text NOT NULL DEFAULT 'REQ-PARTICIPANT'
                     CHECK (role IN ('CHAIR', 'REQ-PARTICIPANT', 'OPT-PARTICIPANT')),
    partstat         text NOT NULL DEFAULT 'NEEDS-ACTION'
                     CHECK (partstat IN ('NEEDS-ACTION', 'ACCEPTED', 'DECLINED', 'TENTATIVE')),
    rsvp_token_hash  bytea NOT NULL UNIQUE,
    responded_at     timestamptz,
    created_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (meeting_id, email)
);

-- Secret calendar feed URLs, stored hashed; revoking sets revoked_at.
CREATE TABLE calendar_feeds (
    id          uuid PRIMARY KEY,
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash  bytea NOT NULL UNIQUE,
    created_at  timestamptz NOT NULL DEFAULT now(),
    revoked_at  timestamptz
);
CREATE INDEX calendar_feeds_user_idx ON calendar_feeds (user_id) WHERE revoked_at IS NULL;

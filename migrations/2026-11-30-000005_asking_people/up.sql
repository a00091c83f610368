-- Asking people (API.md, "Asking people, and what each person has to do"): what each person is
-- to be told, waiting to be sent as one coalesced email per person and project; each person's
-- preferences; a poll's answer date; and the reminders sent to partners.

-- When the poll should be answered by (a date in the meeting's time zone). Partners still
-- pending are reminded automatically two days before it.
ALTER TABLE meetings ADD COLUMN respond_by date;
-- Set once the gate of this meeting became satisfied and the initiator's members were told;
-- cleared when it stops being satisfied, so that they are told again the next time.
ALTER TABLE meetings ADD COLUMN ready_notified_at timestamptz;

-- One thing a person is to be told. Written in the transaction of the change that causes it;
-- the notice step (mail::notices) gathers a person's pending rows of one project into one email
-- at most every 15 minutes, and sets `sent_at` (and `outbox_id`) in the transaction that queues
-- it. A row whose kind the person turned off is closed with `sent_at` and no `outbox_id`.
CREATE TABLE notifications (
    id              bigserial PRIMARY KEY,
    user_id         uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    project_id      uuid NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    meeting_id      uuid REFERENCES meetings (id) ON DELETE CASCADE,
    -- The organization the notice is about (the partner that answered, whose mission changed).
    organization_id uuid REFERENCES organizations (id) ON DELETE CASCADE,
    -- What happened: poll_opened, poll_slots_added, mission_waiting, agenda_waiting,
    -- agreement_voided, partner_answered, gate_satisfied, reminder.
    event           text NOT NULL CHECK (event IN ('poll_opened', 'poll_slots_added',
                        'mission_waiting', 'agenda_waiting', 'agreement_voided',
                        'partner_answered', 'gate_satisfied', 'reminder')),
    -- The preference that governs it.
    category        text NOT NULL CHECK (category IN ('requests', 'updates')),
    -- What the email says about it (texts before and after, rules pending, an answer…).
    details         jsonb NOT NULL DEFAULT '{}',
    created_at      timestamptz NOT NULL DEFAULT now(),
    sent_at         timestamptz,
    outbox_id       bigint REFERENCES outbox (id) ON DELETE SET NULL
);
CREATE INDEX notifications_pending ON notifications (user_id, project_id) WHERE sent_at IS NULL;
CREATE INDEX notifications_sent ON notifications (user_id, project_id, sent_at)
    WHERE outbox_id IS NOT NULL;

-- How a person wants to be told, per kind; no row means immediate for both.
CREATE TABLE notification_preferences (
    user_id    uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    requests   text NOT NULL DEFAULT 'immediate' CHECK (requests IN ('immediate', 'daily', 'off')),
    updates    text NOT NULL DEFAULT 'immediate' CHECK (updates IN ('immediate', 'daily', 'off')),
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- Reminders sent to a partner about a meeting: by the initiator (`POST …/reminders`) or
-- automatically before `respond_by`. At most one per partner per 24 hours.
CREATE TABLE reminders (
    id              bigserial PRIMARY KEY,
    meeting_id      uuid NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
    organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    -- The pending rules it named.
    rules           jsonb NOT NULL,
    automatic       boolean NOT NULL,
    sent_by         uuid REFERENCES users (id) ON DELETE SET NULL,
    sent_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX reminders_latest ON reminders (meeting_id, organization_id, sent_at DESC);

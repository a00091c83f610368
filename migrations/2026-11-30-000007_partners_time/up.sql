-- Partners' time (issue 15): the notice a project asks before a meeting, each partner's yearly
-- time budget for the project, who represents each partner at a meeting, and who attended.

-- Days of notice a convocation must leave (gate rule 7); 14 by default, at most a year.
ALTER TABLE projects
    ADD COLUMN min_notice_days integer NOT NULL DEFAULT 14
        CHECK (min_notice_days BETWEEN 0 AND 365);

-- A partner's yearly time budget for the project (whole hours) and, optionally, the value of an
-- hour of its time (contributions in kind), set by the partner's members.
ALTER TABLE partnerships
    ADD COLUMN hours_per_year integer CHECK (hours_per_year BETWEEN 0 AND 2000),
    ADD COLUMN hourly_value_cents integer CHECK (hourly_value_cents BETWEEN 0 AND 100000),
    ADD COLUMN time_budget_set_by uuid REFERENCES users (id),
    ADD COLUMN time_budget_set_at timestamptz;

-- Who represents a partner at a meeting, chosen by its members before the convocation. A
-- partner without rows here is represented by its default (the members who answered the poll,
-- else the consultation's contact, else who accepted the partnership).
CREATE TABLE meeting_representatives (
    meeting_id uuid NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
    organization_id uuid NOT NULL REFERENCES organizations (id),
    user_id uuid NOT NULL REFERENCES users (id),
    -- Who chose (kept without a foreign key so that user_id stays the one join to users).
    chosen_by uuid NOT NULL,
    chosen_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (meeting_id, organization_id, user_id)
);

-- Attendance of a held meeting, per attendee, recorded by the initiator (correctable).
ALTER TABLE meeting_attendees
    ADD COLUMN attendance text CHECK (attendance IN ('present', 'absent', 'excused')),
    -- No foreign key: user_id stays the one join to users (the audit names who recorded).
    ADD COLUMN attendance_recorded_by uuid,
    ADD COLUMN attendance_recorded_at timestamptz;

-- A partner's agreement to being convened at short notice is an agreement like the others: its
-- subject is the meeting, its content the meeting's start and the notice asked.
ALTER TABLE agreements DROP CONSTRAINT agreements_subject_check;
ALTER TABLE agreements ADD CONSTRAINT agreements_subject_check
    CHECK (subject IN ('mission', 'agenda', 'short_notice'));

DELETE FROM agreements WHERE subject = 'short_notice';
ALTER TABLE agreements DROP CONSTRAINT agreements_subject_check;
ALTER TABLE agreements ADD CONSTRAINT agreements_subject_check CHECK (subject IN ('mission', 'agenda'));
ALTER TABLE meeting_attendees
    DROP COLUMN attendance_recorded_at,
    DROP COLUMN attendance_recorded_by,
    DROP COLUMN attendance;
DROP TABLE meeting_representatives;
ALTER TABLE partnerships
    DROP COLUMN time_budget_set_at,
    DROP COLUMN time_budget_set_by,
    DROP COLUMN hourly_value_cents,
    DROP COLUMN hours_per_year;
ALTER TABLE projects DROP COLUMN min_notice_days;

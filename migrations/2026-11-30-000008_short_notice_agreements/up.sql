-- Short-notice agreements (issue 15) are agreements like the others (`subject` `short_notice`,
-- bound to the meeting): the subject check of 2026-11-28-000002_consent did not allow them, so
-- recording one failed.
ALTER TABLE agreements DROP CONSTRAINT agreements_subject_check;
ALTER TABLE agreements
    ADD CONSTRAINT agreements_subject_check CHECK (subject IN ('mission', 'agenda', 'short_notice'));

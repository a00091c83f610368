DELETE FROM agreements WHERE subject = 'short_notice';
ALTER TABLE agreements DROP CONSTRAINT agreements_subject_check;
ALTER TABLE agreements
    ADD CONSTRAINT agreements_subject_check CHECK (subject IN ('mission', 'agenda'));

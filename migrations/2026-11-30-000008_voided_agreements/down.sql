ALTER TABLE agreements DROP COLUMN voided_notified_at;

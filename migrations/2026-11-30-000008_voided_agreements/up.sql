-- When the agreeing organization was told that this agreement stopped counting because the text
-- changed, so that each one is told once — whether the text changed through the API or through
-- the live document (watched by a step of the server).
ALTER TABLE agreements ADD COLUMN voided_notified_at timestamptz;

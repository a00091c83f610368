-- The bodies cleared cannot be restored, and nothing else changed.
SELECT 1;

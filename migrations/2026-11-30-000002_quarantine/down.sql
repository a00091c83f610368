DROP INDEX document_updates_quarantined_idx;
ALTER TABLE document_updates DROP COLUMN quarantine_reason, DROP COLUMN quarantined_at;

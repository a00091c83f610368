-- A logged update that does not load (it does not decode, or does not integrate into the
-- document) is quarantined rather than deleted: kept for inspection, flagged, and skipped by
-- every load and by compaction, so one bad row never takes a project down (ADR 12).
ALTER TABLE document_updates
    ADD COLUMN quarantined_at timestamptz,
    ADD COLUMN quarantine_reason text;

-- Loads read only the rows that are not quarantined; the metrics count the others.
CREATE INDEX document_updates_quarantined_idx ON document_updates (project_id)
    WHERE quarantined_at IS NOT NULL;

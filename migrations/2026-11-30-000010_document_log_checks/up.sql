-- The document log is the hottest table: every live update is one row. Its two foreign keys
-- cost a check per row — a query that locks the project's and the user's row, each lock a WAL
-- record — for integrity the append already enforces once per statement: it inserts only for
-- documents it holds FOR SHARE (`document::append_batch`), and its user ids are those of the
-- members it serves. What the foreign keys also did is kept by two statement-level triggers
-- (ADR 22): deleting a document (with its project) deletes its log, and a user whose updates
-- are logged cannot be deleted.
ALTER TABLE document_updates
    DROP CONSTRAINT document_updates_project_id_fkey,
    DROP CONSTRAINT document_updates_user_id_fkey;

CREATE FUNCTION document_updates_follow_documents() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM document_updates WHERE project_id IN (SELECT project_id FROM gone);
    RETURN NULL;
END
$$;

CREATE TRIGGER document_updates_follow_documents
    AFTER DELETE ON documents
    REFERENCING OLD TABLE AS gone
    FOR EACH STATEMENT EXECUTE FUNCTION document_updates_follow_documents();

CREATE FUNCTION document_updates_keep_authors() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM document_updates WHERE user_id IN (SELECT id FROM gone)) THEN
        RAISE foreign_key_violation
            USING MESSAGE = 'users with logged document updates cannot be deleted',
                  TABLE = 'document_updates';
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER document_updates_keep_authors
    AFTER DELETE ON users
    REFERENCING OLD TABLE AS gone
    FOR EACH STATEMENT EXECUTE FUNCTION document_updates_keep_authors();

DROP TRIGGER document_updates_keep_authors ON users;
DROP FUNCTION document_updates_keep_authors();
DROP TRIGGER document_updates_follow_documents ON documents;
DROP FUNCTION document_updates_follow_documents();
ALTER TABLE document_updates
    ADD CONSTRAINT document_updates_project_id_fkey
        FOREIGN KEY (project_id) REFERENCES projects (id) ON DELETE CASCADE,
    ADD CONSTRAINT document_updates_user_id_fkey
        FOREIGN KEY (user_id) REFERENCES users (id);

-- Open pages learn that a project changed without asking: every audited change of a project
-- (an answer, an agreement, a poll answer, a convocation, a decision…) notifies the channel
-- `amont_events` at commit, with the project and the action ("<project id> <action>"). Each
-- instance listens and tells the pages it serves (GET /api/me/events); so it crosses instances.
CREATE FUNCTION amont_notify_project_event() RETURNS trigger AS $$
BEGIN
    PERFORM pg_notify('amont_events', NEW.project_id::text || ' ' || NEW.action);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER audit_events_notify
    AFTER INSERT ON audit_events
    FOR EACH ROW
    WHEN (NEW.project_id IS NOT NULL)
    EXECUTE FUNCTION amont_notify_project_event();

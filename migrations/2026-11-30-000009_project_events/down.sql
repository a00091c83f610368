DROP TRIGGER audit_events_notify ON audit_events;
DROP FUNCTION amont_notify_project_event();

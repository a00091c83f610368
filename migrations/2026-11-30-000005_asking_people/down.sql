DROP TABLE reminders;
DROP TABLE notification_preferences;
DROP TABLE notifications;
ALTER TABLE meetings DROP COLUMN ready_notified_at;
ALTER TABLE meetings DROP COLUMN respond_by;

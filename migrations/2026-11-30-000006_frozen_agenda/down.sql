ALTER TABLE meetings
    DROP COLUMN convened_recipients,
    DROP COLUMN convened_agenda_hash;

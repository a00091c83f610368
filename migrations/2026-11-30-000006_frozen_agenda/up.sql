-- The agenda as convened is frozen with the hash its agreements bound to, so that later edits
-- of the live agenda are told apart from it; and how many people the convocation went to.
ALTER TABLE meetings
    ADD COLUMN convened_agenda_hash text,
    ADD COLUMN convened_recipients integer;

-- Meetings convened before this migration: their attendees are who the convocation went to.
-- Their agenda hash stays unknown (NULL): the agenda lines as convened are compared instead.
UPDATE meetings
   SET convened_recipients = (SELECT count(*) FROM meeting_attendees a WHERE a.meeting_id = meetings.id)
 WHERE convened_at IS NOT NULL;

DROP TABLE calendar_feeds;
DROP TABLE meeting_attendees;
DROP TABLE concertation_records;
DROP TABLE availability_answers;
DROP TABLE meeting_slots;
DROP TABLE meetings;

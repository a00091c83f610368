-- A delivered message keeps what the audit needs (recipient, kind, Message-ID, dates), not its
-- body: the login, consultation and RSVP links it held are not kept in clear. The worker clears
-- the body when it marks a row sent; this clears the rows delivered before it did.
UPDATE outbox SET raw = ''::bytea WHERE sent_at IS NOT NULL AND raw <> ''::bytea;

ALTER TABLE magic_links DROP CONSTRAINT magic_links_purpose_fields;
DROP INDEX magic_links_consultation_idx;
ALTER TABLE magic_links DROP COLUMN revoked_at;
ALTER TABLE magic_links DROP COLUMN role;
ALTER TABLE magic_links DROP COLUMN purpose;
DROP TABLE organization_domains;
-- Pending requests do not come back as members: that was the hole.
DROP TABLE membership_requests;
ALTER TABLE memberships DROP COLUMN decided_by;
ALTER TABLE memberships DROP COLUMN decided_at;
ALTER TABLE memberships DROP COLUMN requested_at;
ALTER TABLE organizations DROP COLUMN siren;
DROP INDEX organizations_name_key_idx;
ALTER TABLE organizations DROP COLUMN name_key;

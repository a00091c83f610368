DROP TABLE attestations;
DROP TABLE consent_receipts;
DROP TABLE signing_keys;

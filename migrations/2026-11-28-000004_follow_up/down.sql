DROP TABLE digests;
DROP TABLE actions;
DROP TABLE decision_positions;
DROP TABLE decisions;

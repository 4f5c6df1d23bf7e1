-- The database every version test dumps (tests/versions): a table big enough to cut its data
-- in half, an empty table, and large objects (several, one of them empty) so a large-object
-- list has several lines. Runs on PostgreSQL 13 to 18.
CREATE DATABASE app;
\connect app
CREATE TABLE big (id int PRIMARY KEY, payload text);
INSERT INTO big SELECT i, md5(i::text) || repeat('x', i % 50) FROM generate_series(1, 20000) i;
CREATE TABLE empty_table (id int, note text);
CREATE TABLE "Mixed Case" (v numeric);
INSERT INTO "Mixed Case" VALUES (1.5), (2.25);
SELECT lo_from_bytea(0, decode(repeat('ab', 6000), 'hex'));
SELECT lo_from_bytea(0, convert_to(repeat('large object ', 400), 'UTF8'));
SELECT lo_from_bytea(0, decode(repeat('0f', 100), 'hex'));
SELECT lo_create(0);
COMMENT ON TABLE big IS 'version suite';

-- Test data for the postgresql_backup scenario, run by psql as the superuser on the source server: roles (a login
-- role with a password, a group role, a membership, a role setting), a LATIN1 and a UTF8 database made from
-- template0 with their own collations (libc C for LATIN1, ICU sv-SE for UTF8), database settings (ALTER DATABASE
-- ... SET, ALTER ROLE ... IN DATABASE ... SET), an owner that is not the superuser, grants, and in each database
-- tables of many types, a sequence, a view, a function, a partitioned table, comments and text that only the
-- database's encoding can hold.
\set ON_ERROR_STOP 1
CREATE ROLE app_owner LOGIN PASSWORD 'app-owner-SECRET-7d1e' CREATEDB;
CREATE ROLE app_readers NOLOGIN;
CREATE ROLE app_reader LOGIN PASSWORD 'app-reader-SECRET-2b9c' IN ROLE app_readers CONNECTION LIMIT 5;
ALTER ROLE app_reader SET work_mem = '8MB';
COMMENT ON ROLE app_owner IS 'owns the application databases';

CREATE DATABASE "shop-ü" OWNER app_owner TEMPLATE template0 ENCODING 'UTF8' LOCALE_PROVIDER icu ICU_LOCALE 'sv-SE'
    LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8';
CREATE DATABASE legacy OWNER app_owner TEMPLATE template0 ENCODING 'LATIN1' LC_COLLATE 'C' LC_CTYPE 'C';
ALTER DATABASE "shop-ü" SET search_path = shop, public;
ALTER DATABASE "shop-ü" SET default_text_search_config = 'pg_catalog.swedish';
ALTER ROLE app_reader IN DATABASE "shop-ü" SET statement_timeout = '42s';
ALTER DATABASE legacy SET datestyle = 'SQL, DMY';
REVOKE CONNECT ON DATABASE legacy FROM PUBLIC;
GRANT CONNECT ON DATABASE legacy TO app_readers;

\connect "shop-ü"
SET ROLE app_owner;
CREATE SCHEMA shop;
CREATE TABLE shop.customers (
    id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name text NOT NULL COLLATE "sv-SE-x-icu",
    email text UNIQUE,
    balance numeric(12, 2) NOT NULL DEFAULT 0,
    tags jsonb,
    created timestamptz NOT NULL DEFAULT '2024-01-01 00:00:00+00'
);
COMMENT ON TABLE shop.customers IS 'Kunder 😀';
CREATE TABLE shop.orders (
    id bigserial PRIMARY KEY,
    customer_id integer NOT NULL REFERENCES shop.customers (id),
    total double precision NOT NULL,
    placed date NOT NULL,
    span interval
);
CREATE TABLE shop.files (id integer PRIMARY KEY, data bytea, digest text GENERATED ALWAYS AS (md5(data)) STORED);
CREATE TABLE shop.events (id bigserial PRIMARY KEY, at timestamptz NOT NULL DEFAULT now(), what text NOT NULL);
CREATE TABLE shop.measurements (region text NOT NULL, value real) PARTITION BY LIST (region);
CREATE TABLE shop.measurements_north PARTITION OF shop.measurements FOR VALUES IN ('north');
CREATE TABLE shop.measurements_south PARTITION OF shop.measurements FOR VALUES IN ('south');
CREATE VIEW shop.customer_totals AS
    SELECT c.id, c.name, coalesce(sum(o.total), 0) AS total
      FROM shop.customers AS c LEFT JOIN shop.orders AS o ON o.customer_id = c.id GROUP BY c.id, c.name;
CREATE FUNCTION shop.greeting(who text) RETURNS text LANGUAGE sql IMMUTABLE AS $$ SELECT '👋 hej ' || who || ' 🎉' $$;
INSERT INTO shop.customers (name, email, balance, tags)
    SELECT 'Kund ' || i || CASE i % 3 WHEN 0 THEN ' Åsa' WHEN 1 THEN ' Örjan 𝄞' ELSE ' Zoë' END,
           'c' || i || '@example.invalid', (i % 1000) + 0.25,
           CASE WHEN i % 7 = 0 THEN NULL ELSE jsonb_build_object('n', i, 'odd', i % 2 = 1) END
      FROM generate_series(1, 1500) AS i;
INSERT INTO shop.orders (customer_id, total, placed, span)
    SELECT 1 + (i * 7919) % 1500, i / 7.0, DATE '2024-01-01' + i % 365, make_interval(hours => i % 50)
      FROM generate_series(1, 3000) AS i;
INSERT INTO shop.files (id, data)
    SELECT 1, string_agg(set_byte('\x00'::bytea, 0, b), ''::bytea ORDER BY b) FROM generate_series(0, 255) AS b;
INSERT INTO shop.files (id, data) VALUES (2, ''), (3, NULL);
INSERT INTO shop.events (what) SELECT 'seed ' || i FROM generate_series(1, 100) AS i;
INSERT INTO shop.measurements
    SELECT CASE WHEN i % 2 = 0 THEN 'north' ELSE 'south' END, i * 1.5 FROM generate_series(1, 200) AS i;
GRANT USAGE ON SCHEMA shop TO app_readers;
GRANT SELECT ON ALL TABLES IN SCHEMA shop TO app_readers;
RESET ROLE;

\connect legacy
SET client_encoding = 'UTF8';
SET ROLE app_owner;
CREATE TABLE notes (id integer PRIMARY KEY, body text NOT NULL);
-- Latin-1 only: é, ß, ñ, ¿, the non-breaking space and ÿ
INSERT INTO notes VALUES (1, 'café'), (2, 'Straße'), (3, '¿mañana?'), (4, 'a' || chr(160) || 'b'), (5, 'ÿ');
CREATE SEQUENCE counter START 100;
SELECT nextval('counter');
RESET ROLE;

-- the disk-full case's database: about 3 MiB of random bytes, which do not compress
\connect postgres
CREATE DATABASE bulk TEMPLATE template0;
\connect bulk
CREATE TABLE blobs (id integer PRIMARY KEY, payload bytea NOT NULL);
INSERT INTO blobs SELECT i, (SELECT string_agg(decode(md5(random()::text || i || j), 'hex'), ''::bytea)
                               FROM generate_series(1, 64) AS j)
  FROM generate_series(1, 3000) AS i;

-- Run by verify on the source and on the target (database postgres; then each test database with \connect): what
-- must come out the same for both. Independent of the roles' own checksums: every table's rows as text, sorted.
\set ON_ERROR_STOP 1
SET extra_float_digits = 3;
SET datestyle = 'ISO, YMD';
SET timezone = 'UTC';
SELECT 'database', d.datname, pg_get_userbyid(d.datdba), pg_encoding_to_char(d.encoding), d.datcollate, d.datctype,
       d.datlocprovider, d.daticulocale, (SELECT array_agg(a::text ORDER BY a::text) FROM unnest(d.datacl) AS a), d.datconnlimit
  FROM pg_database AS d WHERE d.datname IN ('legacy', 'shop-ü') ORDER BY 2;
SELECT 'setting', d.datname, coalesce(r.rolname, '-'), s.setconfig::text
  FROM pg_db_role_setting AS s JOIN pg_database AS d ON d.oid = s.setdatabase
  LEFT JOIN pg_roles AS r ON r.oid = s.setrole WHERE d.datname IN ('legacy', 'shop-ü') ORDER BY 2, 3;
SELECT 'role', rolname, rolsuper, rolinherit, rolcreaterole, rolcreatedb, rolcanlogin, rolconnlimit, rolconfig::text,
       shobj_description(oid, 'pg_authid')
  FROM pg_roles WHERE rolname LIKE 'app%' ORDER BY 2;
SELECT 'member', r.rolname, m.rolname
  FROM pg_auth_members AS a JOIN pg_roles AS r ON r.oid = a.roleid JOIN pg_roles AS m ON m.oid = a.member
 WHERE r.rolname LIKE 'app%' ORDER BY 2, 3;
\connect legacy
SET extra_float_digits = 3;
SELECT 'legacy', count(*), md5(string_agg(t::text, E'\n' ORDER BY t::text)), string_agg(convert_to(body, 'LATIN1')::text, ',' ORDER BY id)
  FROM notes AS t;
SELECT 'legacy.counter', last_value, is_called FROM counter;
\connect "shop-ü"
SET extra_float_digits = 3;
SET datestyle = 'ISO, YMD';
SET timezone = 'UTC';
SELECT format('SELECT %L, count(*), md5(coalesce(string_agg(t::text, E''\n'' ORDER BY t::text), '''')) FROM ONLY %I.%I AS t',
              n.nspname || '.' || c.relname, n.nspname, c.relname)
  FROM pg_class AS c JOIN pg_namespace AS n ON n.oid = c.relnamespace
 WHERE c.relkind = 'r' AND n.nspname = 'shop' AND c.relname <> 'events' ORDER BY n.nspname, c.relname
\gexec
SELECT 'greeting', shop.greeting('Zoë');
SELECT 'view', count(*), sum(total) FROM shop.customer_totals;
SELECT 'sequence', last_value FROM shop.orders_id_seq;

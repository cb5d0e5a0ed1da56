-- opencloud.images.postgresql_backup (also read by postgresql_restore): one JSON line, {"schema.table": {"rows": N,
-- "checksum": "S"}, ...}, for every table of the current database that holds rows (ordinary tables and partitions;
-- not the catalogs, not tables of extensions). Each table's own rows only (FROM ONLY), so that inherited rows are
-- not counted twice. The checksum is the sum over the rows of hashtextextended(row as text, 0), PostgreSQL's own 64-bit
-- hash of a text (the one hash partitioning uses; PostgreSQL 11 and later): independent of the row order, constant in
-- memory, and about a third of the server CPU of md5 (which the dump's snapshot session spent beside pg_dump). It is
-- not cryptographic (SHA256SUMS guards the files) and depends on the server's byte order, so a run's checksums
-- compare between little-endian servers (x86-64, ARM64) or between big-endian ones. Run by psql (\gexec), in the transaction whose snapshot it describes, after
-- the settings that change a row's text are fixed: the same rows then give the same sums in any session and server.
SET datestyle = 'ISO, YMD';
SET timezone = 'UTC';
SET extra_float_digits = 3;
SET bytea_output = 'hex';
SET intervalstyle = 'postgres';
SELECT format(
    'SELECT coalesce(json_object_agg(t, json_build_object(''rows'', n, ''checksum'', s) ORDER BY t), ''{}'')'
    ' FROM (%s) AS x (t, n, s)',
    coalesce(string_agg(format(
        'SELECT %L::text, count(*), coalesce(sum(hashtextextended(r::text, 0)), 0)::text'
        ' FROM ONLY %I.%I AS r', n.nspname || '.' || c.relname, n.nspname, c.relname), ' UNION ALL '
        ORDER BY n.nspname, c.relname),
      'SELECT NULL::text, 0::bigint, NULL::text WHERE false'))
  FROM pg_class AS c
  JOIN pg_namespace AS n ON n.oid = c.relnamespace
 WHERE c.relkind = 'r'
   AND n.nspname NOT IN ('pg_catalog', 'information_schema')
   AND n.nspname NOT LIKE 'pg\_toast%'
   AND n.nspname NOT LIKE 'pg\_temp\_%'
   AND NOT EXISTS (SELECT 1 FROM pg_depend AS d
                    WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
\gexec

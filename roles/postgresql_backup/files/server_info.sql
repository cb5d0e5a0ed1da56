SELECT json_build_object(
    'version', current_setting('server_version'),
    'version_num', current_setting('server_version_num')::int,
    'in_recovery', pg_is_in_recovery(),
    'user', current_user,
    'databases', (
        SELECT coalesce(json_agg(json_build_object(
            'name', d.datname,
            'owner', pg_get_userbyid(d.datdba),
            'encoding', pg_encoding_to_char(d.encoding),
            'collate', d.datcollate,
            'ctype', d.datctype,
            'locale_provider', CASE to_jsonb(d) ->> 'datlocprovider' WHEN 'i' THEN 'icu' ELSE 'libc' END,
            'icu_locale', coalesce(to_jsonb(d) ->> 'daticulocale', to_jsonb(d) ->> 'datlocale'),
            'size', CASE WHEN has_database_privilege(d.oid, 'CONNECT') THEN pg_database_size(d.oid) END,
            'settings', (SELECT s.setconfig FROM pg_db_role_setting AS s
                          WHERE s.setdatabase = d.oid AND s.setrole = 0)
        ) ORDER BY d.datname), '[]')
          FROM pg_database AS d
         WHERE d.datallowconn AND NOT d.datistemplate))

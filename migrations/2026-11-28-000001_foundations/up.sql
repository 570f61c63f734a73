-- What every area of the schema builds on: the extensions and the small SQL functions that
-- more than one area uses. Each function is defined here once.

-- Trigram indexes for searching names in Bangla and English.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
-- Equality in GiST exclusion constraints (one calendar of payment periods per programme).
CREATE EXTENSION IF NOT EXISTS btree_gist;

-- A time-ordered UUID (version 7) for rows made in SQL, like the ones the application makes.
CREATE FUNCTION uuid_v7() RETURNS uuid LANGUAGE sql VOLATILE AS $$
    SELECT encode(
        set_bit(set_bit(
            overlay(uuid_send(gen_random_uuid())
                    PLACING substring(int8send((extract(epoch FROM clock_timestamp()) * 1000)::bigint) FROM 3)
                    FROM 1 FOR 6),
            52, 1), 53, 1),
        'hex')::uuid
$$;

-- The first day of the fiscal year (1 July) a day falls in.
CREATE FUNCTION fiscal_year_start(d date) RETURNS date LANGUAGE sql IMMUTABLE AS $$
    SELECT make_date(extract(year FROM d)::int - CASE WHEN extract(month FROM d) < 7 THEN 1 ELSE 0 END, 7, 1)
$$;

-- The rows a statement changed, as deltas for a maintained aggregate: +1 per row after it, -1
-- per row before it. Which transition tables a statement-level trigger sees depends on the
-- event, hence SQL text for the trigger to run with EXECUTE.
CREATE FUNCTION statement_delta(op text, plus text, minus text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    -- plus / minus: a select list and optional WHERE around the placeholder FROM_ROWS.
    SELECT CASE op
        WHEN 'INSERT' THEN 'SELECT ' || replace(plus, 'FROM_ROWS', 'FROM new_rows')
        WHEN 'DELETE' THEN 'SELECT ' || replace(minus, 'FROM_ROWS', 'FROM old_rows')
        ELSE 'SELECT ' || replace(plus, 'FROM_ROWS', 'FROM new_rows') || ' UNION ALL SELECT ' || replace(minus, 'FROM_ROWS', 'FROM old_rows')
    END
$$;

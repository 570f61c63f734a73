-- A tamper-evident audit trail (issue 30). Every audit row carries its place in a hash chain:
-- the day it was written (UTC, from the clock at the insert), the chain of that day it joined
-- (one of `sheba.audit_chain_shards` chains, 16 unless set, picked by the writing transaction's
-- id so that concurrent writers seldom share one), its sequence number in that chain, and
--   chain_hash = sha256(previous row's chain_hash || the row's canonical content)
-- (32 zero bytes before the first row). `audit_chain_heads` holds each chain's last seq and
-- hash; a BEFORE INSERT trigger takes the next link under that row's lock, so the rows of one
-- chain are numbered in commit order without gaps. `sheba audit verify` recomputes every chain
-- in Rust from the columns (not with these functions, which whoever holds the database could
-- replace), and `sheba audit anchor` exports each closed day's last hashes to keep elsewhere.

ALTER TABLE audit_events
    ADD COLUMN chain_day date,
    ADD COLUMN chain_shard smallint,
    ADD COLUMN chain_seq bigint,
    ADD COLUMN chain_hash bytea;

CREATE TABLE audit_chain_heads (
    day date NOT NULL,
    shard smallint NOT NULL,
    last_seq bigint NOT NULL,
    last_hash bytea NOT NULL,
    PRIMARY KEY (day, shard)
);

-- One field of the canonical content: `~` for NULL, else its length in UTF-8 bytes, `:` and
-- the text (so no field can run into the next).
CREATE FUNCTION audit_chain_field(t text) RETURNS text LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN t IS NULL THEN '~' ELSE octet_length(convert_to(t, 'UTF8'))::text || ':' || t END
$$;

-- A row's canonical content, as UTF-8 bytes: its place in the chain (day as YYYY-MM-DD, chain,
-- seq), then every column in table order, each rendered by a built-in output that no session
-- setting changes (uuid text, the time as microseconds since 1970 UTC, jsonb's own text).
CREATE FUNCTION audit_chain_content(
    day date, shard smallint, seq bigint, id uuid, occurred_at timestamptz, actor_id uuid, actor_label text,
    action text, entity_type text, entity_id text, before jsonb, after jsonb, request_id text
) RETURNS bytea LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT convert_to(
        audit_chain_field(to_char(day, 'YYYY-MM-DD')) || audit_chain_field(shard::text) || audit_chain_field(seq::text)
        || audit_chain_field(id::text)
        || audit_chain_field(((extract(epoch FROM occurred_at) * 1000000)::bigint)::text)
        || audit_chain_field(actor_id::text) || audit_chain_field(actor_label) || audit_chain_field(action)
        || audit_chain_field(entity_type) || audit_chain_field(entity_id)
        || audit_chain_field(before::text) || audit_chain_field(after::text) || audit_chain_field(request_id),
        'UTF8')
$$;

-- One link: the running hash, folded over a chain's contents in seq order (the backfill below
-- uses it as a window aggregate).
CREATE FUNCTION audit_chain_step(previous bytea, content bytea) RETURNS bytea LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT sha256(previous || content)
$$;
CREATE AGGREGATE audit_chain_fold(bytea) (
    SFUNC = audit_chain_step,
    STYPE = bytea,
    INITCOND = '\x0000000000000000000000000000000000000000000000000000000000000000'
);

CREATE FUNCTION audit_events_chain() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    d date := (clock_timestamp() AT TIME ZONE 'UTC')::date;
    -- (The transaction's id: every row a transaction writes joins the same chain, so a
    -- transaction holds at most one chain's head.)
    s smallint := (txid_current() % greatest(1, least(256,
        coalesce(nullif(current_setting('sheba.audit_chain_shards', true), ''), '16')::int)))::smallint;
BEGIN
    NEW.chain_day := d;
    NEW.chain_shard := s;
    FOR attempt IN 1..2 LOOP
        UPDATE audit_chain_heads h
           SET last_seq = h.last_seq + 1,
               last_hash = audit_chain_step(h.last_hash, audit_chain_content(d, s, h.last_seq + 1, NEW.id,
                   NEW.occurred_at, NEW.actor_id, NEW.actor_label, NEW.action, NEW.entity_type, NEW.entity_id,
                   NEW.before, NEW.after, NEW.request_id))
         WHERE h.day = d AND h.shard = s
        RETURNING h.last_seq, h.last_hash INTO NEW.chain_seq, NEW.chain_hash;
        IF FOUND THEN
            RETURN NEW;
        END IF;
        -- The first row of this chain today (or, when another transaction makes the head at the
        -- same moment, nothing: the UPDATE then takes the next link after its row).
        INSERT INTO audit_chain_heads AS h (day, shard, last_seq, last_hash)
        VALUES (d, s, 1, audit_chain_step('\x0000000000000000000000000000000000000000000000000000000000000000'::bytea,
                audit_chain_content(d, s, 1, NEW.id, NEW.occurred_at, NEW.actor_id, NEW.actor_label, NEW.action,
                    NEW.entity_type, NEW.entity_id, NEW.before, NEW.after, NEW.request_id)))
        ON CONFLICT (day, shard) DO NOTHING
        RETURNING h.last_seq, h.last_hash INTO NEW.chain_seq, NEW.chain_hash;
        IF FOUND THEN
            RETURN NEW;
        END IF;
    END LOOP;
    RAISE EXCEPTION 'audit chain % / % has no head to append to', d, s;
END;
$$;

-- The rows already there, chained in their order: one chain per day of occurred_at (UTC),
-- numbered by (occurred_at, id).
ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update_delete;
WITH numbered AS (
    SELECT e.*, (occurred_at AT TIME ZONE 'UTC')::date AS day, 0::smallint AS shard,
           row_number() OVER (PARTITION BY (occurred_at AT TIME ZONE 'UTC')::date ORDER BY occurred_at, id) AS seq
      FROM audit_events e
), chained AS (
    SELECT id, day, shard, seq,
           audit_chain_fold(audit_chain_content(day, shard, seq, id, occurred_at, actor_id, actor_label, action,
               entity_type, entity_id, before, after, request_id)) OVER (PARTITION BY day ORDER BY seq) AS hash
      FROM numbered
)
UPDATE audit_events e
   SET chain_day = c.day, chain_shard = c.shard, chain_seq = c.seq, chain_hash = c.hash
  FROM chained c
 WHERE e.id = c.id;
ALTER TABLE audit_events ENABLE TRIGGER audit_events_no_update_delete;
INSERT INTO audit_chain_heads (day, shard, last_seq, last_hash)
SELECT DISTINCT ON (chain_day, chain_shard) chain_day, chain_shard, chain_seq, chain_hash
  FROM audit_events
 ORDER BY chain_day, chain_shard, chain_seq DESC;

ALTER TABLE audit_events
    ALTER COLUMN chain_day SET NOT NULL,
    ALTER COLUMN chain_shard SET NOT NULL,
    ALTER COLUMN chain_seq SET NOT NULL,
    ALTER COLUMN chain_hash SET NOT NULL;
CREATE UNIQUE INDEX audit_events_chain_idx ON audit_events (chain_day, chain_shard, chain_seq);

CREATE TRIGGER audit_events_chain
    BEFORE INSERT ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_chain();
-- (Also in sessions with session_replication_role = replica.)
ALTER TABLE audit_events ENABLE ALWAYS TRIGGER audit_events_chain;

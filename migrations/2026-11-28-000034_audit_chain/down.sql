DROP TRIGGER audit_events_chain ON audit_events;
DROP FUNCTION audit_events_chain();
DROP INDEX audit_events_chain_idx;
ALTER TABLE audit_events
    DROP COLUMN chain_day,
    DROP COLUMN chain_shard,
    DROP COLUMN chain_seq,
    DROP COLUMN chain_hash;
DROP AGGREGATE audit_chain_fold(bytea);
DROP FUNCTION audit_chain_step(bytea, bytea);
DROP FUNCTION audit_chain_content(date, smallint, bigint, uuid, timestamptz, uuid, text, text, text, text, jsonb, jsonb, text);
DROP FUNCTION audit_chain_field(text);
DROP TABLE audit_chain_heads;

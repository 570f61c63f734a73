-- A failed payment carried into a later cycle keeps the provider's reason: a beneficiary's
-- payment history answers "why was I not paid in May?" long after the re-issue was paid.
-- The check is on the partitioned table and was copied into each partition (LIKE ...
-- INCLUDING CONSTRAINTS), so the parent's goes first, then each copy (found by its
-- definition, since PostgreSQL chose the names); the new check is added on the parent, which
-- adds it to every partition, and a partition made later copies it.
DO $$
DECLARE
    r record;
BEGIN
    FOR r IN
        SELECT c.conrelid::regclass AS t, c.conname
          FROM pg_constraint c
         WHERE c.contype = 'c'
           AND (c.conrelid = 'payments'::regclass
                OR c.conrelid IN (SELECT inhrelid FROM pg_inherits WHERE inhparent = 'payments'::regclass))
           AND pg_get_constraintdef(c.oid) = 'CHECK (((status = ''failed''::text) = (failure_reason IS NOT NULL)))'
         ORDER BY c.conrelid <> 'payments'::regclass
    LOOP
        EXECUTE format('ALTER TABLE %s DROP CONSTRAINT IF EXISTS %I', r.t, r.conname);
    END LOOP;
END
$$;
ALTER TABLE payments ADD CONSTRAINT payments_failure_reason_check
    CHECK ((status <> 'failed' OR failure_reason IS NOT NULL) AND (status IN ('failed', 'carried') OR failure_reason IS NULL));

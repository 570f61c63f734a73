-- A bulk import writes its persons and its beneficiaries on two connections at once (two cores,
-- two INSERTs of a million rows each), and commits them as one by two-phase commit: the
-- beneficiaries' transaction is prepared, the persons' transaction commits with a row here
-- naming it, and the prepared one is then committed. Whoever finds a prepared import
-- transaction later (its server died in between) commits it when its row is here and rolls it
-- back when not (persistence::imports::resolve_prepared).
CREATE TABLE prepared_imports (
    gid text PRIMARY KEY,
    decided_at timestamptz NOT NULL DEFAULT now()
);

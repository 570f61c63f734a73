-- Microcredit, right on any day: the day a work group was formed is kept (no member joins,
-- and no application is dated, before it); an approved write-off states the principal it
-- wrote off and the service charge it forgoes; the ledger is read by day (a fund's position
-- on a past day is its totals less the entries dated after it).
ALTER TABLE work_groups ADD COLUMN formed_on date;
UPDATE work_groups g
   SET formed_on = coalesce((SELECT min(m.joined_on) FROM work_group_members m WHERE m.group_id = g.id),
                            (g.created_at AT TIME ZONE 'Asia/Dhaka')::date);
ALTER TABLE work_groups ALTER COLUMN formed_on SET NOT NULL;

ALTER TABLE loan_write_offs
    ADD COLUMN principal_written_off bigint CHECK (principal_written_off >= 0),
    ADD COLUMN charge_forgone bigint CHECK (charge_forgone >= 0);
UPDATE loan_write_offs w
   SET principal_written_off = l.written_off, charge_forgone = l.charge - l.charge_repaid
  FROM loans l
 WHERE l.id = w.loan_id AND w.approved;
ALTER TABLE loan_write_offs ADD CONSTRAINT loan_write_offs_amounts_once_approved
    CHECK ((approved IS TRUE) = (principal_written_off IS NOT NULL AND charge_forgone IS NOT NULL));

CREATE INDEX fund_entries_on_date_idx ON fund_entries (on_date, fund_id);

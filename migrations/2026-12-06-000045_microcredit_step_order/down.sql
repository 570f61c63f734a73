DROP INDEX fund_entries_on_date_idx;
ALTER TABLE loan_write_offs DROP CONSTRAINT loan_write_offs_amounts_once_approved,
    DROP COLUMN principal_written_off, DROP COLUMN charge_forgone;
ALTER TABLE work_groups DROP COLUMN formed_on;

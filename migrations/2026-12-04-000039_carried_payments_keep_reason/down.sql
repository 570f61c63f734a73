UPDATE payments SET failure_reason = NULL WHERE status = 'carried';
ALTER TABLE payments DROP CONSTRAINT payments_failure_reason_check;
ALTER TABLE payments ADD CONSTRAINT payments_check1 CHECK ((status = 'failed') = (failure_reason IS NOT NULL));

DROP TABLE payments;
DROP TABLE payment_cycles;
DROP TABLE programme_rates;
DROP FUNCTION uuid_v7();
DROP EXTENSION IF EXISTS btree_gist;

DROP FUNCTION statement_delta(text, text, text);
DROP FUNCTION fiscal_year_start(date);
DROP FUNCTION uuid_v7();
DROP EXTENSION IF EXISTS btree_gist;
DROP EXTENSION IF EXISTS pg_trgm;

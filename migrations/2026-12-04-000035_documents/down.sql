DROP TABLE documents;
DROP FUNCTION documents_append_only();

DROP TABLE prepared_imports;

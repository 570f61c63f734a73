DROP TABLE unions;
DROP TABLE upazilas;
DROP TABLE districts;
DROP TABLE divisions;

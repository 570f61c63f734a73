DROP TABLE beneficiaries;
DROP TABLE applications;
DROP TABLE quotas;

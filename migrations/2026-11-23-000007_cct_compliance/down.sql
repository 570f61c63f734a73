DROP TABLE cct_compliance;

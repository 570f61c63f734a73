DROP TABLE capitation_inspections;
DROP TABLE capitation_orphans;
DROP TABLE capitation_allotments;

DROP TABLE disability_card_cells;
DROP TABLE disability_records;
DROP FUNCTION disability_card_cells_maintain();

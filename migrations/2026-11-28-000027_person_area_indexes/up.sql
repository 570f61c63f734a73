-- A person's division and district had an index each that no statement uses: people are
-- seen by an area officer through `division_id = $1 OR created_by = $2` (read along the
-- primary key in id order, the page's order; an area index cannot serve an OR with a column
-- it lacks), and the foreign keys of the area lead with the upazila and the union, whose
-- indexes stay. Each was another B-tree to descend for every person a bulk import creates.
DROP INDEX persons_division_id_idx;
DROP INDEX persons_district_id_idx;

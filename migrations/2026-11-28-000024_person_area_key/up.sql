-- A person's area is checked as one key, like an application's or a beneficiary's: the
-- upazila with its district and division, and the union with its upazila. Two checks a row
-- instead of four (a bulk import of a million people spent a third of its person inserts on
-- them), and a person's area can no longer disagree with itself.
ALTER TABLE unions ADD CONSTRAINT unions_id_upazila_key UNIQUE (id, upazila_id);
ALTER TABLE persons
    DROP CONSTRAINT persons_division_id_fkey,
    DROP CONSTRAINT persons_district_id_fkey,
    DROP CONSTRAINT persons_upazila_id_fkey,
    DROP CONSTRAINT persons_union_id_fkey,
    ADD CONSTRAINT persons_area_fkey FOREIGN KEY (upazila_id, district_id, division_id)
        REFERENCES upazilas (id, district_id, division_id),
    ADD CONSTRAINT persons_union_fkey FOREIGN KEY (union_id, upazila_id) REFERENCES unions (id, upazila_id),
    -- The area is the union's, so it is all there or not at all.
    ADD CONSTRAINT persons_area_whole CHECK (
        (union_id IS NULL OR upazila_id IS NOT NULL)
        AND ((upazila_id IS NULL) = (district_id IS NULL)) AND ((district_id IS NULL) = (division_id IS NULL)));

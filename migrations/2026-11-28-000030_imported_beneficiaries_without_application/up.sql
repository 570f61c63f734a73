-- A beneficiary carried over by a bulk import from an earlier register was enrolled there, not
-- through an application here, and has none. The import used to make one for each all the
-- same: 'approved', no facts, the verdict 'needs_verification' and the note 'imported', a
-- record of nothing that a caseworker would open as if it were an application (and a million
-- rows, five indexes each, for a million-line file: 9 s of its 47). It makes none now.
ALTER TABLE beneficiaries ALTER COLUMN application_id DROP NOT NULL;
-- Only the beneficiaries with an application are found by it (a parent's foreign-key check
-- is an equality, which the predicate admits); an imported one adds no entry.
DROP INDEX beneficiaries_application_id_idx;
CREATE INDEX beneficiaries_application_id_idx ON beneficiaries (application_id) WHERE application_id IS NOT NULL;
-- The applications earlier imports made go the same way. Only those rows: made by the import's
-- own statement (these values together), referred to by the one beneficiary it made with them.
CREATE TEMP TABLE imported_applications ON COMMIT DROP AS
SELECT a.id FROM applications a
 WHERE a.note = 'imported' AND a.status = 'approved' AND a.facts = '{}'::jsonb AND a.verdict = 'needs_verification'
   AND a.reasons = '[]'::jsonb AND a.priority_score = 0 AND a.verified_by IS NULL AND a.decided_by = a.created_by
   AND a.version = 1;
UPDATE beneficiaries b SET application_id = NULL, version = b.version + 1, updated_at = now()
  FROM imported_applications i WHERE b.application_id = i.id;
DELETE FROM applications a USING imported_applications i WHERE a.id = i.id;

DELETE FROM upazilas WHERE id BETWEEN 1009 AND 1018;
UPDATE geography_revision SET revision = revision + 1;

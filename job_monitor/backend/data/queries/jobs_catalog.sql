-- The current definition of every job of the workspace that is not deleted.
WITH
-- include: _latest_job_rows
SELECT
-- include: _job_definition_columns
FROM latest
WHERE delete_time IS NULL
ORDER BY job_id

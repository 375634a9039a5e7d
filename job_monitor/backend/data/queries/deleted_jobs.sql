-- The last definition of every job of the workspace deleted at or after :deleted_since (the start
-- of the history kept: a job deleted earlier has no run left to show), with the deletion time. The
-- latest row per job is picked as for jobs_catalog.sql: the catalog and this list never hold the
-- same job.
WITH
-- include: _latest_job_rows
SELECT
-- include: _job_definition_columns
FROM latest
WHERE delete_time >= :deleted_since
ORDER BY job_id

-- The newest migration applied to the app's state schema (NULL before the first).
SELECT MAX(version) AS version
FROM ${state_schema}.schema_versions

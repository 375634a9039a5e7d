-- Records a migration as applied, once (a replica that applied it too finds the row).
MERGE INTO ${state_schema}.schema_versions AS t
USING (SELECT :version AS version, :description AS description, :applied_at AS applied_at) AS s
ON t.version = s.version
WHEN NOT MATCHED THEN INSERT (version, description, applied_at)
  VALUES (s.version, s.description, s.applied_at)

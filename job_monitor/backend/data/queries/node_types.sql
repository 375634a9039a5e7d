-- The node types the workspace's account may use now (system.compute.node_types lists the currently
-- available types per account; the account is read off the workspace's clusters, so no schema but
-- system.compute is needed): their cores, memory and GPUs, to size a smaller cluster with.
SELECT DISTINCT node_type, core_count, memory_mb, gpu_count
FROM system.compute.node_types
WHERE account_id IN (
  SELECT account_id FROM system.compute.clusters WHERE workspace_id = :workspace_id
)
ORDER BY node_type

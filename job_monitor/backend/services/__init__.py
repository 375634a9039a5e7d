"""The job-health service layer (issue 4): plain Python between the GraphQL types and the data.

Resolvers hand arguments to a `Session` (one per GraphQL request) and get frozen views back. The
session applies the viewer's visibility before anything leaves it: lists, counts, aggregates, runs,
tasks and error text are computed over the jobs the viewer may see, and a job or run the viewer may
not see raises exactly the `NotFound` a missing one raises.
"""

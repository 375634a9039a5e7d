import { createFileRoute } from '@tanstack/react-router';

import { JobView } from '../../components/job/JobView';

function JobPage() {
  const { jobId } = Route.useParams();
  // Another job starts afresh: no target written for the previous one carries over.
  return <JobView key={jobId} jobId={jobId} />;
}

// `jobs_`: the job page is not drawn inside the jobs list's page, though its address is under it.
export const Route = createFileRoute('/_sidebar/jobs_/$jobId')({
  head: ({ params }) => ({ meta: [{ title: `Job ${params.jobId} · Job Monitor` }] }),
  component: JobPage,
});

import { createFileRoute } from '@tanstack/react-router';

import { RunView } from '../../components/run/RunView';

function RunPage() {
  const { runId } = Route.useParams();
  return <RunView runId={runId} />;
}

export const Route = createFileRoute('/_sidebar/runs/$runId')({
  head: ({ params }) => ({ meta: [{ title: `Run ${params.runId} · Job Monitor` }] }),
  component: RunPage,
});

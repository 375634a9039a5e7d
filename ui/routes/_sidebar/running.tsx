import { createFileRoute } from '@tanstack/react-router';

import { PageHeader } from '../../components/PageHeader';
import { ActiveRunsView } from '../../components/running/ActiveRunsView';

function RunningPage() {
  return (
    <>
      <PageHeader
        title="Running now"
        description="Runs queued or in progress, and how long they have taken compared with usual."
      />
      <ActiveRunsView />
    </>
  );
}

export const Route = createFileRoute('/_sidebar/running')({
  head: () => ({ meta: [{ title: 'Running now · Job Monitor' }] }),
  component: RunningPage,
});

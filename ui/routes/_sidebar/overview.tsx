import { createFileRoute } from '@tanstack/react-router';

import { OverviewView } from '../../components/overview/OverviewView';
import { PageHeader } from '../../components/PageHeader';
import { useGlobalFilters } from '../../session/globalFilters';

function OverviewPage() {
  const [{ window, team, q }] = useGlobalFilters();
  return (
    <>
      <PageHeader
        title="Overview"
        description="How the jobs you can see are doing: runs, spend, and what needs attention now."
      />
      <OverviewView window={window} filtered={team !== null || q !== ''} />
    </>
  );
}

export const Route = createFileRoute('/_sidebar/overview')({
  head: () => ({ meta: [{ title: 'Overview · Job Monitor' }] }),
  component: OverviewPage,
});

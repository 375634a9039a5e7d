import { createFileRoute } from '@tanstack/react-router';

import type { Window } from '../../gql/graphql';
import { OverviewView } from '../../components/overview/OverviewView';
import { PageHeader } from '../../components/PageHeader';
import { WindowSelect } from '../../components/WindowSelect';
import { DEFAULT_WINDOW, parseWindow } from '../../lib/windows';

interface OverviewSearch {
  window?: Window;
}

function OverviewPage() {
  const search = Route.useSearch();
  const navigate = Route.useNavigate();
  const window = search.window ?? DEFAULT_WINDOW;
  return (
    <>
      <PageHeader
        title="Overview"
        description="How the jobs you can see are doing: runs, failures and the jobs that need attention."
        actions={
          <WindowSelect
            value={window}
            onChange={(chosen) => void navigate({ search: { window: chosen } })}
          />
        }
      />
      <OverviewView window={window} />
    </>
  );
}

export const Route = createFileRoute('/_sidebar/overview')({
  validateSearch: (search: Record<string, unknown>): OverviewSearch => {
    const window = parseWindow(search.window);
    return window === undefined ? {} : { window };
  },
  head: () => ({ meta: [{ title: 'Overview · Job Monitor' }] }),
  component: OverviewPage,
});

import { createFileRoute } from '@tanstack/react-router';

import type { Window } from '../../gql/graphql';
import { JobSearchForm } from '../../components/jobs/JobSearchForm';
import { JobsTable } from '../../components/jobs/JobsTable';
import { Select } from '../../components/kit/Select';
import { PageHeader } from '../../components/PageHeader';
import { WindowSelect } from '../../components/WindowSelect';
import {
  DEFAULT_JOB_ORDER,
  JOB_ORDERS,
  parseJobOrder,
  parseSearchText,
  type JobOrderKey,
} from '../../lib/jobList';
import { DEFAULT_WINDOW, parseWindow } from '../../lib/windows';
import { useLocalUser } from '../../session/localUser';

interface JobsSearch {
  q?: string;
  order?: JobOrderKey;
  window?: Window;
}

function JobsPage() {
  const params = Route.useSearch();
  const navigate = Route.useNavigate();
  const localUser = useLocalUser();
  const search = params.q ?? '';
  const order = params.order ?? DEFAULT_JOB_ORDER;
  const window = params.window ?? DEFAULT_WINDOW;
  const update = (change: JobsSearch): void => {
    void navigate({ search: (previous) => ({ ...previous, ...change }) });
  };
  return (
    <>
      <PageHeader
        title="Jobs"
        description="The jobs you can see, with how healthy each has been."
        actions={
          <>
            <JobSearchForm
              // A new address (back/forward) shows its own search text.
              key={search}
              search={search}
              onSearch={(text) => {
                update({ q: text === '' ? undefined : text });
              }}
            />
            <Select
              label="Order by"
              value={order}
              options={JOB_ORDERS}
              onChange={(chosen) => {
                update({ order: chosen });
              }}
            />
            <WindowSelect
              value={window}
              onChange={(chosen) => {
                update({ window: chosen });
              }}
            />
          </>
        }
      />
      <JobsTable
        // Another search, order, window or person starts again at the first page.
        key={[search, order, window, localUser].join('|')}
        search={search}
        order={order}
        window={window}
      />
    </>
  );
}

export const Route = createFileRoute('/_sidebar/jobs')({
  validateSearch: (search: Record<string, unknown>): JobsSearch => {
    const q = parseSearchText(search.q);
    const order = parseJobOrder(search.order);
    const window = parseWindow(search.window);
    return {
      ...(q === undefined ? {} : { q }),
      ...(order === undefined ? {} : { order }),
      ...(window === undefined ? {} : { window }),
    };
  },
  head: () => ({ meta: [{ title: 'Jobs · Job Monitor' }] }),
  component: JobsPage,
});

import { createFileRoute } from '@tanstack/react-router';

import type { Priority } from '../../gql/graphql';
import { JobFilters } from '../../components/jobs/JobFilters';
import { JobsTable } from '../../components/jobs/JobsTable';
import { PageHeader } from '../../components/PageHeader';
import {
  DEFAULT_JOB_SORT,
  parseJobSort,
  parsePriority,
  parseSearchText,
  type JobSort,
  type JobSortColumn,
  type SortDirection,
} from '../../lib/jobList';
import { useGlobalFilters } from '../../session/globalFilters';

/** The page's own parameters; the filter bar's (`window`, `team`, `q`) belong to the layout. */
interface JobsSearch {
  sort?: JobSortColumn;
  dir?: SortDirection;
  owner?: string;
  priority?: Priority;
}

function JobsPage() {
  const params = Route.useSearch();
  const navigate = Route.useNavigate();
  const [filters] = useGlobalFilters();
  const sort: JobSort =
    params.sort === undefined
      ? DEFAULT_JOB_SORT
      : { column: params.sort, direction: params.dir ?? 'asc' };
  const owner = params.owner ?? null;
  const priority = params.priority ?? null;
  const update = (change: JobsSearch): void => {
    void navigate({ search: (previous) => ({ ...previous, ...change }) });
  };
  return (
    <>
      <PageHeader
        title="Jobs"
        description="Every job you can see, with its health, spend and SLA."
        actions={
          <JobFilters
            owner={owner}
            priority={priority}
            onChange={(change) => {
              update({
                ...('owner' in change ? { owner: change.owner ?? undefined } : {}),
                ...('priority' in change ? { priority: change.priority ?? undefined } : {}),
              });
            }}
          />
        }
      />
      <JobsTable
        window={filters.window}
        team={filters.team}
        q={filters.q}
        owner={owner}
        priority={priority}
        sort={sort}
        onSort={(next) => {
          const isDefault =
            next.column === DEFAULT_JOB_SORT.column &&
            next.direction === DEFAULT_JOB_SORT.direction;
          update(
            isDefault
              ? { sort: undefined, dir: undefined }
              : { sort: next.column, dir: next.direction },
          );
        }}
      />
    </>
  );
}

export const Route = createFileRoute('/_sidebar/jobs')({
  validateSearch: (search: Record<string, unknown>): JobsSearch => {
    const sort = parseJobSort(search.sort, search.dir);
    const owner = parseSearchText(search.owner);
    const priority = parsePriority(search.priority);
    return {
      ...(sort === undefined ? {} : { sort: sort.column, dir: sort.direction }),
      ...(owner === undefined ? {} : { owner }),
      ...(priority === undefined ? {} : { priority }),
    };
  },
  head: () => ({ meta: [{ title: 'Jobs · Job Monitor' }] }),
  component: JobsPage,
});

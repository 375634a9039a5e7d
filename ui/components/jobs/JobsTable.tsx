import { Link } from '@tanstack/react-router';
import {
  createColumnHelper,
  createSortedRowModel,
  flexRender,
  rowSortingFeature,
  sortFn_alphanumeric,
  sortFn_basic,
  tableFeatures,
  useTable,
  type Row,
} from '@tanstack/react-table';
import { useVirtualizer } from '@tanstack/react-virtual';
import { memo, useEffect, useMemo, useRef } from 'react';

import type { Priority, Window } from '../../gql/graphql';
import { cx } from '../../lib/classNames';
import {
  formatCount,
  formatDuration,
  formatMoney,
  formatPercent,
  formatRatio,
} from '../../lib/format';
import {
  apiOrderFor,
  namePatternFor,
  nextJobSort,
  priorityRank,
  sortsOnServer,
  type JobSort,
  type JobSortColumn,
} from '../../lib/jobList';
import { shortUserName } from '../../lib/viewer';
import { windowLabel } from '../../lib/windows';
import { ApiErrorAlert } from '../ApiErrorAlert';
import { EmptyState } from '../EmptyState';
import { Button } from '../kit/Button';
import { Card } from '../kit/Card';
import { Icon } from '../kit/Icon';
import { PriorityBadge } from '../kit/PriorityBadge';
import { Skeleton } from '../kit/Skeleton';
import { PermissionsNotice } from '../PermissionsNotice';
import { QueryError } from '../QueryError';
import styles from './JobsTable.module.css';
import { Sparkline } from './Sparkline';
import { JobsApiError, useJobPages, type JobRow } from './useJobPages';

/** Every row is this tall (CSS keeps it so), which lets the virtualiser place rows without measuring. */
const ROW_HEIGHT = 52;
/** Rows rendered beyond the visible ones, so a quick scroll does not show blank space. */
const OVERSCAN = 8;
/** The next page is asked for when the last rendered row is this close to the end of those loaded. */
const PREFETCH_ROWS = 40;

const features = tableFeatures({
  rowSortingFeature,
  sortedRowModel: createSortedRowModel(),
  sortFns: { alphanumeric: sortFn_alphanumeric, basic: sortFn_basic },
});

const helper = createColumnHelper<typeof features, JobRow>();

/** What the browser compares when it sorts a column itself; missing values sort last either way. */
const numeric = { sortFn: 'basic', sortUndefined: 'last' } as const;

function runsOf(job: JobRow) {
  return job.runs.__typename === 'JobRunConnection' ? job.runs.nodes : [];
}

const columns = helper.columns([
  helper.accessor('name', {
    id: 'name',
    header: 'Job',
    sortFn: 'alphanumeric',
    cell: ({ row }) => <JobName job={row.original} />,
  }),
  helper.accessor((job) => priorityRank(job.health?.priority ?? null), {
    id: 'priority',
    header: 'Priority',
    sortFn: 'basic',
    cell: ({ row }) => <PriorityBadge priority={row.original.health?.priority ?? null} />,
  }),
  helper.accessor((job) => runsOf(job)[0]?.startTime, {
    id: 'recentRuns',
    header: 'Recent runs',
    sortFn: 'basic',
    sortUndefined: 'last',
    cell: ({ row }) => <Sparkline runs={runsOf(row.original)} />,
  }),
  helper.accessor((job) => job.health?.successRate ?? undefined, {
    id: 'successRate',
    header: 'Success rate',
    ...numeric,
    cell: ({ getValue }) => formatPercent(getValue()),
  }),
  helper.accessor((job) => job.health?.failureStreak, {
    id: 'failureStreak',
    header: 'Failure streak',
    ...numeric,
    cell: ({ getValue }) => {
      const streak = getValue();
      if (streak === undefined) return '—';
      return <span className={cx(streak >= 2 && styles.critical)}>{formatCount(streak)}</span>;
    },
  }),
  helper.accessor((job) => job.health?.durationP50Seconds ?? undefined, {
    id: 'p50',
    header: 'p50',
    ...numeric,
    cell: ({ getValue }) => formatDuration(getValue()),
  }),
  helper.accessor((job) => job.health?.durationP90Seconds ?? undefined, {
    id: 'p90',
    header: 'p90',
    ...numeric,
    cell: ({ getValue }) => formatDuration(getValue()),
  }),
  helper.accessor((job) => job.health?.durationRegression ?? undefined, {
    id: 'regression',
    header: 'Regression',
    ...numeric,
    cell: ({ row, getValue }) => (
      <span
        className={row.original.health?.durationRegressed === true ? styles.warning : styles.muted}
        title="The latest run's duration against the usual (p50 of the runs before it)"
      >
        {formatRatio(getValue())}
      </span>
    ),
  }),
  helper.accessor((job) => job.cost.listCostUsd, {
    id: 'spend',
    header: '30-day spend',
    ...numeric,
    cell: ({ row, getValue }) => formatMoney(getValue(), row.original.cost.currency),
  }),
  helper.accessor((job) => job.sla.targetSeconds ?? undefined, {
    id: 'slaTarget',
    header: 'SLA target',
    ...numeric,
    cell: ({ getValue }) => {
      const target = getValue();
      return target === undefined ? (
        <span className={styles.muted}>None</span>
      ) : (
        formatDuration(target)
      );
    },
  }),
  helper.accessor((job) => job.sla.breachRate ?? undefined, {
    id: 'breachRate',
    header: 'SLA breach rate',
    ...numeric,
    cell: ({ getValue }) => formatPercent(getValue()),
  }),
]);

/** Widths (px) and alignment of the columns: fixed, so rows coming and going never shift them. */
const LAYOUT: Record<JobSortColumn, { width: number; numeric?: true }> = {
  name: { width: 204 },
  priority: { width: 112 },
  recentRuns: { width: 116 },
  successRate: { width: 80, numeric: true },
  failureStreak: { width: 76, numeric: true },
  p50: { width: 88, numeric: true },
  p90: { width: 88, numeric: true },
  regression: { width: 88, numeric: true },
  spend: { width: 84, numeric: true },
  slaTarget: { width: 76, numeric: true },
  breachRate: { width: 84, numeric: true },
};
const TABLE_WIDTH = Object.values(LAYOUT).reduce((sum, column) => sum + column.width, 0);

function isColumn(id: string): id is JobSortColumn {
  return Object.hasOwn(LAYOUT, id);
}

function JobName({ job }: { job: JobRow }) {
  return (
    <>
      <Link to="/jobs/$jobId" params={{ jobId: job.jobId }} className={styles.nameLink}>
        {job.name}
      </Link>
      <span className={styles.ownership} title={job.owner ?? undefined}>
        {job.team ?? 'no team'} · {job.owner === null ? 'no owner' : shortUserName(job.owner)}
      </span>
    </>
  );
}

/** One job; memoised, so scrolling renders only the rows that come into view. */
const JobTableRow = memo(function JobTableRow({
  row,
  index,
}: {
  row: Row<typeof features, JobRow>;
  index: number;
}) {
  return (
    // aria-rowindex counts the header row: screen readers tell the position among every job.
    <tr className={styles.row} aria-rowindex={index + 2}>
      {row.getAllCells().map((cell) => {
        const layout = isColumn(cell.column.id) ? LAYOUT[cell.column.id] : undefined;
        const content = flexRender(cell.column.columnDef.cell, cell.getContext());
        return cell.column.id === 'name' ? (
          <th key={cell.id} scope="row" className={styles.name}>
            {content}
          </th>
        ) : (
          <td key={cell.id} className={cx(layout?.numeric === true && styles.number)}>
            {content}
          </td>
        );
      })}
    </tr>
  );
});

const SORT_WORDS: Record<JobSortColumn, string> = {
  name: 'name',
  priority: 'priority',
  successRate: 'success rate',
  failureStreak: 'failure streak',
  p50: 'p50 duration',
  p90: 'p90 duration',
  regression: 'duration regression',
  spend: '30-day spend',
  slaTarget: 'SLA target',
  breachRate: 'SLA breach rate',
  recentRuns: 'latest run',
};

function sortTitle(column: JobSortColumn): string {
  return sortsOnServer(column)
    ? `Sort every job by ${SORT_WORDS[column]}`
    : `The API cannot order jobs by ${SORT_WORDS[column]}: this sorts only the jobs loaded so far, in your browser`;
}

function SortHeader({
  column,
  label,
  sort,
  onSort,
}: {
  column: JobSortColumn;
  label: string;
  sort: JobSort;
  onSort: (sort: JobSort) => void;
}) {
  const active = sort.column === column;
  const icon = !active ? 'sortable' : sort.direction === 'asc' ? 'arrowUp' : 'arrowDown';
  return (
    <th
      scope="col"
      className={cx(
        column === 'name' && styles.name,
        LAYOUT[column].numeric === true && styles.number,
      )}
      aria-sort={active ? (sort.direction === 'asc' ? 'ascending' : 'descending') : undefined}
    >
      <button
        type="button"
        className={cx(styles.sortButton, active && styles.sorted)}
        title={sortTitle(column)}
        onClick={() => {
          onSort(nextJobSort(sort, column));
        }}
      >
        {label}
        {!sortsOnServer(column) && (
          <span className={styles.clientMark} aria-hidden="true">
            *
          </span>
        )}
        <Icon name={icon} size={12} className={styles.sortIcon} />
      </button>
    </th>
  );
}

interface JobsTableProps {
  window: Window;
  team: string | null;
  /** The filter bar's name text (`namePatternFor` makes it a pattern). */
  q: string;
  owner: string | null;
  priority: Priority | null;
  sort: JobSort;
  onSort: (sort: JobSort) => void;
}

/** What a filter that matches nothing was, in words. */
function filterWords({ team, q, owner, priority }: JobsTableProps): string {
  return [
    q === '' ? null : `name “${q}”`,
    team === null ? null : `team “${team}”`,
    owner === null ? null : `owner “${owner}”`,
    priority === null ? null : `priority ${priority}`,
  ]
    .filter((part) => part !== null)
    .join(', ');
}

/**
 * Every job the viewer may see in one virtualised table: a page of rows is fetched as the end of
 * those loaded scrolls into view, and only the rows on screen are in the DOM.
 */
export function JobsTable(props: JobsTableProps) {
  const { window, team, q, owner, priority, sort, onSort } = props;
  const query = useJobPages({
    namePattern: namePatternFor(q),
    team,
    owner,
    priority: priority === null ? null : [priority],
    orderBy: apiOrderFor(sort),
    window,
  });
  const description = `Health over the ${windowLabel(window).toLowerCase()}; spend and SLA breaches over the last 30 days.`;

  if (query.isPending) {
    return (
      <Card title="Jobs you can see" description={description} busy>
        <Skeleton label="Loading your jobs" lines={6} />
      </Card>
    );
  }
  // A failed first page has nothing to show; a failed later page keeps the rows loaded before it.
  if (query.isLoadingError) {
    return query.error instanceof JobsApiError ? (
      <ApiErrorAlert error={query.error.apiError} />
    ) : (
      <QueryError
        what="your jobs"
        error={query.error}
        retrying={query.isFetching}
        onRetry={() => void query.refetch()}
      />
    );
  }

  const pages = query.data.pages;
  const first = pages[0];
  const total = first?.totalCount ?? 0;
  const words = filterWords(props);
  return (
    <div className={styles.stack}>
      {first?.permissionsComplete === false && <PermissionsNotice />}
      <Card
        title="Jobs you can see"
        description={`${description} ${formatCount(total)} ${total === 1 ? 'job' : 'jobs'}.`}
        busy={query.isFetching}
      >
        {total === 0 ? (
          words === '' ? (
            <EmptyState icon="list" title="No jobs you can see">
              You have no permission on any job in this workspace yet. A job&apos;s owner can share
              it with you or with one of your groups.
            </EmptyState>
          ) : (
            <EmptyState icon="search" title={`No jobs match ${words}`}>
              Names match as a whole, ignoring case: use * for any run of characters and ? for one.
              Text without wildcards is found anywhere in the name. Team and owner match exactly.
            </EmptyState>
          )
        ) : (
          <VirtualJobs
            pages={pages}
            total={total}
            sort={sort}
            onSort={onSort}
            hasNextPage={query.hasNextPage}
            isFetchingNextPage={query.isFetchingNextPage}
            nextPageError={query.isFetchNextPageError ? query.error : null}
            fetchNextPage={() => void query.fetchNextPage()}
          />
        )}
      </Card>
    </div>
  );
}

interface VirtualJobsProps {
  pages: readonly { nodes: JobRow[] }[];
  total: number;
  sort: JobSort;
  onSort: (sort: JobSort) => void;
  hasNextPage: boolean;
  isFetchingNextPage: boolean;
  nextPageError: Error | null;
  fetchNextPage: () => void;
}

function VirtualJobs({
  pages,
  total,
  sort,
  onSort,
  hasNextPage,
  isFetchingNextPage,
  nextPageError,
  fetchNextPage,
}: VirtualJobsProps) {
  const scrollRef = useRef<HTMLDivElement>(null);
  const data = useMemo(() => pages.flatMap((page) => page.nodes), [pages]);
  // Stable between renders, so a scroll does not sort the loaded rows again.
  const sorting = useMemo(
    () => [{ id: sort.column, desc: sort.direction === 'desc' }],
    [sort.column, sort.direction],
  );
  const table = useTable({
    features,
    columns,
    data,
    getRowId: (job) => job.jobId,
    state: { sorting },
    // The API already ordered the rows by a column it can sort; the browser sorts the others.
    manualSorting: sortsOnServer(sort.column),
  });
  const rows = table.getRowModel().rows;
  const loaderRow = hasNextPage && nextPageError === null;
  // The app does not use React Compiler (the row component is memoised by hand), so nothing here
  // relies on it memoising the virtualiser's functions.
  // eslint-disable-next-line react-hooks/incompatible-library
  const virtualizer = useVirtualizer({
    count: rows.length + (loaderRow ? 1 : 0),
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: OVERSCAN,
  });
  const items = virtualizer.getVirtualItems();
  const lastIndex = items.at(-1)?.index ?? 0;

  useEffect(() => {
    if (
      lastIndex >= rows.length - PREFETCH_ROWS &&
      hasNextPage &&
      !isFetchingNextPage &&
      nextPageError === null
    ) {
      fetchNextPage();
    }
  }, [lastIndex, rows.length, hasNextPage, isFetchingNextPage, nextPageError, fetchNextPage]);

  useEffect(() => {
    // Another order starts at the top; another filter or person loads afresh, remounting this.
    scrollRef.current?.scrollTo({ top: 0 });
  }, [sort.column, sort.direction]);

  const padTop = items[0]?.start ?? 0;
  const padBottom = virtualizer.getTotalSize() - (items.at(-1)?.end ?? 0);
  const columnCount = columns.length;
  const headers = table.getHeaderGroups()[0]?.headers ?? [];
  return (
    <>
      {!sortsOnServer(sort.column) && (
        <p className={styles.note}>
          <Icon name="question" size={14} />
          Sorted by {SORT_WORDS[sort.column]} in your browser, among the {formatCount(rows.length)}{' '}
          jobs loaded so far: the API cannot order by it. Scroll on to load and sort the rest.
        </p>
      )}
      <div
        ref={scrollRef}
        className={styles.scroller}
        // Keyboard users scroll it too; its rows are a page at a time, so it is its own region.
        tabIndex={0}
        role="region"
        aria-label="Jobs table, scrolls to load more"
      >
        <table className={styles.table} style={{ minWidth: TABLE_WIDTH }} aria-rowcount={total + 1}>
          <caption className="visually-hidden">Jobs</caption>
          <colgroup>
            {headers.map((header) => (
              <col
                key={header.id}
                style={{ width: isColumn(header.id) ? LAYOUT[header.id].width : undefined }}
              />
            ))}
          </colgroup>
          <thead>
            <tr aria-rowindex={1}>
              {headers.map((header) =>
                isColumn(header.id) ? (
                  <SortHeader
                    key={header.id}
                    column={header.id}
                    label={String(header.column.columnDef.header)}
                    sort={sort}
                    onSort={onSort}
                  />
                ) : null,
              )}
            </tr>
          </thead>
          <tbody>
            {padTop > 0 && (
              <tr aria-hidden="true">
                <td colSpan={columnCount} className={styles.spacer} style={{ height: padTop }} />
              </tr>
            )}
            {items.map((item) => {
              const row = rows[item.index];
              return row === undefined ? (
                <tr key="loading" className={styles.row}>
                  <td colSpan={columnCount} className={styles.loading}>
                    Loading more jobs…
                  </td>
                </tr>
              ) : (
                <JobTableRow key={row.id} row={row} index={item.index} />
              );
            })}
            {padBottom > 0 && (
              <tr aria-hidden="true">
                <td colSpan={columnCount} className={styles.spacer} style={{ height: padBottom }} />
              </tr>
            )}
          </tbody>
        </table>
      </div>
      <div className={styles.footer}>
        <p className={styles.muted}>
          {formatCount(rows.length)} of {formatCount(total)} jobs loaded
        </p>
        {nextPageError !== null &&
          (nextPageError instanceof JobsApiError ? (
            <ApiErrorAlert error={nextPageError.apiError} />
          ) : (
            <QueryError
              what="more jobs"
              error={nextPageError}
              retrying={isFetchingNextPage}
              onRetry={fetchNextPage}
            />
          ))}
        {nextPageError instanceof JobsApiError && (
          <Button icon="refresh" onClick={fetchNextPage}>
            Try again
          </Button>
        )}
      </div>
    </>
  );
}

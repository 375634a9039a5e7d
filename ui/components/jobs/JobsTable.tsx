import { useState } from 'react';

import { JobsDocument, type JobsQuery, type Window } from '../../gql/graphql';
import { retryIntervalFor } from '../../lib/apiErrors';
import { cx } from '../../lib/classNames';
import {
  formatCount,
  formatDuration,
  formatPercent,
  formatRatio,
  formatTimeAgo,
} from '../../lib/format';
import {
  FIRST_PAGE,
  jobOrderBy,
  namePatternFor,
  nextPage,
  pageNumber,
  previousPage,
  type JobOrderKey,
} from '../../lib/jobList';
import { shortUserName } from '../../lib/viewer';
import { windowLabel } from '../../lib/windows';
import { useGraphQLQuery } from '../../session/useGraphQLQuery';
import { ApiErrorAlert } from '../ApiErrorAlert';
import { EmptyState } from '../EmptyState';
import { Button } from '../kit/Button';
import { Card } from '../kit/Card';
import tables from '../kit/DataTable.module.css';
import { PriorityBadge } from '../kit/PriorityBadge';
import { RunStateBadge } from '../kit/RunStateBadge';
import { Skeleton } from '../kit/Skeleton';
import { PermissionsNotice } from '../PermissionsNotice';
import { QueryError } from '../QueryError';
import styles from './JobsTable.module.css';

type Connection = Extract<JobsQuery['jobs'], { __typename: 'JobConnection' }>;
type Job = Connection['nodes'][number];

const JOBS_PAGE_SIZE = 25;

function JobRow({ job, now }: { job: Job; now: Date }) {
  const health = job.health;
  const lastRun = health?.lastRun ?? null;
  return (
    <tr>
      <th scope="row" className={styles.name}>
        {job.name}
      </th>
      <td className={tables.nowrap}>
        <span className={styles.team}>{job.team ?? '—'}</span>
        <span className={styles.owner} title={job.owner ?? undefined}>
          <span className="visually-hidden">Owner: </span>
          {job.owner === null ? '—' : shortUserName(job.owner)}
        </span>
      </td>
      <td>
        <PriorityBadge priority={health?.priority ?? null} />
      </td>
      <td className={tables.number}>{formatPercent(health?.successRate)}</td>
      <td className={cx(tables.number, (health?.failureStreak ?? 0) >= 2 && tables.critical)}>
        {health === null ? '—' : formatCount(health.failureStreak)}
      </td>
      <td className={tables.number}>{formatDuration(health?.durationP50Seconds)}</td>
      <td
        className={cx(
          tables.number,
          health?.durationRegressed === true ? tables.warning : tables.muted,
        )}
      >
        {formatRatio(health?.durationRegression)}
      </td>
      <td className={tables.nowrap}>
        {lastRun === null ? (
          <span className={tables.muted}>No runs</span>
        ) : (
          <span className={styles.lastRun}>
            <RunStateBadge state={lastRun.state} />
            <time className={tables.muted} dateTime={lastRun.startTime}>
              {formatTimeAgo(new Date(lastRun.startTime), now)}
            </time>
          </span>
        )}
      </td>
    </tr>
  );
}

function JobList({ connection, now }: { connection: Connection; now: Date }) {
  return (
    <div className={tables.wrap}>
      <table className={tables.table}>
        <caption className="visually-hidden">Jobs</caption>
        <thead>
          <tr>
            <th scope="col">Job</th>
            <th scope="col">Team / owner</th>
            <th scope="col">Priority</th>
            <th scope="col" className={tables.number}>
              Success rate
            </th>
            <th scope="col" className={tables.number}>
              Streak
            </th>
            <th scope="col" className={tables.number}>
              p50 duration
            </th>
            <th scope="col" className={tables.number}>
              Regression
            </th>
            <th scope="col">Last run</th>
          </tr>
        </thead>
        <tbody>
          {connection.nodes.map((job) => (
            <JobRow key={job.jobId} job={job} now={now} />
          ))}
        </tbody>
      </table>
    </div>
  );
}

interface JobsTableProps {
  search: string;
  order: JobOrderKey;
  window: Window;
}

/** One page of the viewer's jobs with their health; a new search or order starts at page 1 (keyed). */
export function JobsTable({ search, order, window }: JobsTableProps) {
  const [trail, setTrail] = useState(FIRST_PAGE);
  const query = useGraphQLQuery(
    JobsDocument,
    {
      namePattern: namePatternFor(search),
      first: JOBS_PAGE_SIZE,
      after: trail.current,
      orderBy: jobOrderBy(order),
      window,
    },
    { refetchInterval: (data) => retryIntervalFor(data?.jobs), keepPreviousData: true },
  );
  const description = `Health over the ${windowLabel(window).toLowerCase()}.`;

  if (query.isPending) {
    return (
      <Card title="Jobs you can see" description={description} busy>
        <Skeleton label="Loading your jobs" lines={6} />
      </Card>
    );
  }
  if (query.isError) {
    return (
      <QueryError
        what="your jobs"
        error={query.error}
        retrying={query.isFetching}
        onRetry={() => void query.refetch()}
      />
    );
  }
  const result = query.data.jobs;
  if (result.__typename !== 'JobConnection') return <ApiErrorAlert error={result} />;

  const first = (pageNumber(trail) - 1) * JOBS_PAGE_SIZE + 1;
  const last = first + result.nodes.length - 1;
  const endCursor = result.pageInfo.endCursor;
  return (
    <div className={styles.stack}>
      {!result.permissionsComplete && <PermissionsNotice />}
      <Card
        title="Jobs you can see"
        description={`${description} ${formatCount(result.totalCount)} ${result.totalCount === 1 ? 'job' : 'jobs'}.`}
        busy={query.isFetching}
      >
        {result.nodes.length === 0 ? (
          search.trim() === '' ? (
            <EmptyState icon="list" title="No jobs you can see">
              You have no permission on any job in this workspace yet. A job&apos;s owner can share
              it with you or with one of your groups.
            </EmptyState>
          ) : (
            <EmptyState icon="search" title={`No jobs match “${search.trim()}”`}>
              Names match as a whole, ignoring case: use * for any run of characters and ? for one.
              Text without wildcards is found anywhere in the name.
            </EmptyState>
          )
        ) : (
          <>
            <JobList connection={result} now={new Date(query.dataUpdatedAt)} />
            <nav className={styles.pager} aria-label="Pages of jobs">
              <p className={tables.muted}>
                Showing {formatCount(first)}–{formatCount(last)} of {formatCount(result.totalCount)}
              </p>
              <div className={styles.pagerButtons}>
                <Button
                  disabled={pageNumber(trail) === 1 || query.isFetching}
                  onClick={() => {
                    setTrail(previousPage(trail));
                  }}
                >
                  Previous
                </Button>
                <Button
                  disabled={!result.pageInfo.hasNextPage || endCursor === null || query.isFetching}
                  onClick={() => {
                    if (endCursor !== null) setTrail(nextPage(trail, endCursor));
                  }}
                >
                  Next
                </Button>
              </div>
            </nav>
          </>
        )}
      </Card>
    </div>
  );
}

import { Link } from '@tanstack/react-router';

import { OverviewDocument, type OverviewQuery, type Window } from '../../gql/graphql';
import { retryIntervalFor } from '../../lib/apiErrors';
import { cx } from '../../lib/classNames';
import { changeText } from '../../lib/costs';
import { formatCount, formatMoney, formatPercent } from '../../lib/format';
import { terminationCodeLabel } from '../../lib/runs';
import { windowLabel } from '../../lib/windows';
import { useGraphQLQuery } from '../../session/useGraphQLQuery';
import { ApiErrorAlert } from '../ApiErrorAlert';
import { EmptyState } from '../EmptyState';
import { Alert } from '../kit/Alert';
import { Card } from '../kit/Card';
import tables from '../kit/DataTable.module.css';
import { PriorityBadge } from '../kit/PriorityBadge';
import { Skeleton } from '../kit/Skeleton';
import { PermissionsNotice } from '../PermissionsNotice';
import { QueryError } from '../QueryError';
import { DailyChart } from './DailyChart';
import { HeadlineFigures, type Figure } from './HeadlineFigures';
import { NeedsAttention } from './NeedsAttention';
import styles from './OverviewView.module.css';

type Overview = Extract<OverviewQuery['overview'], { __typename: 'Overview' }>;

// Running and queued counts change by the minute; history by the window.
const REFRESH_MS = 60_000;
// The most frequent codes tell the story; the long tail is summed up.
const SHOWN_CODES = 8;

/** A count from the Jobs API: null while it cannot be read (the history figures still show). */
function liveCount(count: number | null, note: string): Pick<Figure, 'value' | 'note'> {
  return count === null
    ? { value: '—', note: 'Databricks Jobs API not answering' }
    : { value: formatCount(count), note };
}

function figures(overview: Overview, window: Window): Figure[] {
  const { spend } = overview;
  return [
    {
      label: 'Spend',
      value: formatMoney(spend.listCostUsd, spend.currency),
      note: changeText(spend.changeVsPreviousWindow, spend.previousListCostUsd, window),
      wide: true,
    },
    {
      label: 'Runs',
      value: formatCount(overview.runs),
      note: 'finished in the window',
    },
    {
      label: 'Failed',
      value: formatCount(overview.failed),
      note: `of ${formatCount(overview.runs)} runs`,
      alarming: overview.failed > 0,
    },
    {
      label: 'Success rate',
      value: formatPercent(overview.successRate),
      note: `${formatCount(overview.succeeded)} succeeded`,
      alarming: overview.successRate !== null && overview.successRate < 0.9,
    },
    {
      label: 'Jobs in a failing streak',
      value: formatCount(overview.jobsInFailingStreak),
      note: 'failed twice or more in a row',
      alarming: overview.jobsInFailingStreak > 0,
    },
    {
      label: 'SLA breaches',
      value: formatCount(overview.slaBreaches),
      note: 'finished runs over their target',
      alarming: overview.slaBreaches > 0,
    },
    {
      label: 'Running now',
      ...liveCount(overview.activeNow, 'in progress'),
    },
    {
      label: 'Queued now',
      ...liveCount(overview.queuedNow, 'waiting to start'),
    },
    {
      label: 'At risk now',
      ...liveCount(overview.atRisk, 'running past 80% of their target or over it'),
      alarming: overview.atRisk !== null && overview.atRisk > 0,
    },
  ];
}

function TopFailingJobs({ jobs }: { jobs: Overview['topFailingJobs'] }) {
  if (jobs.length === 0) {
    return (
      <EmptyState icon="check" title="No failed runs in this window">
        Every job you can see succeeded or was canceled.
      </EmptyState>
    );
  }
  return (
    <div className={tables.wrap}>
      <table className={tables.table}>
        <caption className="visually-hidden">Top failing jobs</caption>
        <thead>
          <tr>
            <th scope="col">Job</th>
            <th scope="col" className={tables.number}>
              Failures
            </th>
            <th scope="col" className={tables.number}>
              Streak
            </th>
            <th scope="col" className={tables.number}>
              Success rate
            </th>
            <th scope="col">Priority</th>
          </tr>
        </thead>
        <tbody>
          {jobs.map((entry) => (
            <tr key={entry.job.jobId}>
              <th scope="row" className={styles.jobName}>
                <Link
                  to="/jobs/$jobId"
                  params={{ jobId: entry.job.jobId }}
                  className={styles.jobLink}
                >
                  {entry.job.name}
                </Link>
              </th>
              <td className={tables.number}>
                <span className={tables.critical}>{formatCount(entry.failed)}</span>
                <span className={tables.muted}> / {formatCount(entry.runs)}</span>
              </td>
              <td className={cx(tables.number, entry.failureStreak >= 2 && tables.critical)}>
                {formatCount(entry.failureStreak)}
              </td>
              <td className={tables.number}>{formatPercent(entry.successRate)}</td>
              <td>
                <PriorityBadge priority={entry.job.health?.priority ?? null} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function FailuresByCode({ codes }: { codes: Overview['failuresByTerminationCode'] }) {
  if (codes.length === 0) {
    return <EmptyState icon="check" title="No failures to break down" />;
  }
  const most = Math.max(1, ...codes.map((c) => c.failed));
  const shown = codes.slice(0, SHOWN_CODES);
  const otherRuns = codes.slice(SHOWN_CODES).reduce((sum, c) => sum + c.failed, 0);
  return (
    <>
      <ul className={styles.codes} aria-label="Failures by termination code">
        {shown.map((code) => (
          <li key={code.terminationCode ?? ''} className={styles.code}>
            <div className={styles.codeText}>
              <span className={styles.codeName}>{terminationCodeLabel(code.terminationCode)}</span>
              <span className={tables.muted}>
                {formatCount(code.failed)} {code.failed === 1 ? 'run' : 'runs'} ·{' '}
                {formatCount(code.jobs)} {code.jobs === 1 ? 'job' : 'jobs'}
              </span>
            </div>
            <span className={styles.codeTrack} aria-hidden="true">
              <span
                className={styles.codeBar}
                style={{ width: `${String((code.failed / most) * 100)}%` }}
              />
            </span>
          </li>
        ))}
      </ul>
      {codes.length > SHOWN_CODES && (
        <p className={cx(tables.muted, styles.moreCodes)}>
          {formatCount(codes.length - SHOWN_CODES)} more codes: {formatCount(otherRuns)}{' '}
          {otherRuns === 1 ? 'run' : 'runs'}
        </p>
      )}
    </>
  );
}

function OverviewDetails({
  overview,
  window,
  filtered,
}: {
  overview: Overview;
  window: Window;
  filtered: boolean;
}) {
  return (
    <div className={styles.stack}>
      {!overview.permissionsComplete && <PermissionsNotice />}
      {filtered && (
        // The API's overview takes no job filter; saying so beats figures that look filtered.
        <Alert tone="info" title="The overview covers every job you can see">
          <p>The team and job-name filters narrow the Jobs, Running now and Costs pages.</p>
        </Alert>
      )}
      <HeadlineFigures label="Headline figures" figures={figures(overview, window)} columns={5} />
      <NeedsAttention window={window} />
      <Card title="Runs per day" description={`${windowLabel(window)}, by UTC day of the start.`}>
        <DailyChart days={overview.daily} />
      </Card>
      <div className={styles.columns}>
        <Card
          title="Top failing jobs"
          description="Most failures in the window, then the longest streak."
        >
          <TopFailingJobs jobs={overview.topFailingJobs} />
        </Card>
        <Card title="Failures by termination code" description="Why failed runs ended.">
          <FailuresByCode codes={overview.failuresByTerminationCode} />
        </Card>
      </div>
    </div>
  );
}

/** The viewer's jobs at a glance over one window; `filtered`: the filter bar names a team or job. */
export function OverviewView({ window, filtered }: { window: Window; filtered: boolean }) {
  const query = useGraphQLQuery(
    OverviewDocument,
    { window },
    {
      refetchInterval: (data) => retryIntervalFor(data?.overview) || REFRESH_MS,
      keepPreviousData: true,
      // While the Jobs API is down, the running and queued counts are null; history still shows.
      partial: true,
    },
  );
  if (query.isPending) {
    return (
      <Card title="Loading the overview">
        <Skeleton label="Loading the overview" lines={5} />
      </Card>
    );
  }
  if (query.isError) {
    return (
      <QueryError
        what="the overview"
        error={query.error}
        retrying={query.isFetching}
        onRetry={() => void query.refetch()}
      />
    );
  }
  const result = query.data.overview;
  if (result.__typename !== 'Overview') return <ApiErrorAlert error={result} />;
  const { visibleJobs } = query.data;
  if (visibleJobs.__typename === 'JobConnection' && visibleJobs.totalCount === 0) {
    return (
      <EmptyState icon="list" title="No jobs you can see">
        The overview covers the jobs you may see, and you have no permission on any job in this
        workspace yet. A job&apos;s owner can share it with you or with one of your groups.
      </EmptyState>
    );
  }
  return <OverviewDetails overview={result} window={window} filtered={filtered} />;
}

import { Link } from '@tanstack/react-router';
import { useState } from 'react';

import { ActiveRunsDocument, type ActiveRunsQuery } from '../../gql/graphql';
import { retryIntervalFor } from '../../lib/apiErrors';
import { cx } from '../../lib/classNames';
import type { GlobalFilters } from '../../lib/filters';
import { formatCount, formatDuration, formatTimeOfDay } from '../../lib/format';
import {
  activeRunProgress,
  filterWords,
  jobMatchesFilters,
  newestFirst,
  slaStatusPresentation,
} from '../../lib/runs';
import { useGlobalFilters } from '../../session/globalFilters';
import { useGraphQLQuery } from '../../session/useGraphQLQuery';
import { ApiErrorAlert } from '../ApiErrorAlert';
import { EmptyState } from '../EmptyState';
import { Badge } from '../kit/Badge';
import { Button } from '../kit/Button';
import { Card } from '../kit/Card';
import tables from '../kit/DataTable.module.css';
import { Icon } from '../kit/Icon';
import { RunStateBadge } from '../kit/RunStateBadge';
import { Skeleton } from '../kit/Skeleton';
import { TONE_ICONS } from '../kit/statusIcons';
import { QueryError } from '../QueryError';
import styles from './ActiveRunsView.module.css';
import { Timestamp } from './Timestamp';

type ActiveRuns = Extract<ActiveRunsQuery['activeRuns'], { __typename: 'ActiveRuns' }>;
type Run = ActiveRuns['runs'][number];

// Live state from the Jobs API: often enough that elapsed times tick along while one watches.
const REFRESH_MS = 5_000;

function Progress({ run }: { run: Run }) {
  const progress = activeRunProgress(run.state, run.elapsedSeconds, run.expectedSeconds);
  if (progress.kind === 'waiting') {
    return (
      <span className={styles.waiting}>
        <Icon name="clock" size={14} />
        {progress.text}
      </span>
    );
  }
  return (
    <div className={styles.progress}>
      <p>
        <span className={styles.elapsed}>{formatDuration(run.elapsedSeconds)}</span>
        <span className={tables.muted}> · {progress.text}</span>
      </p>
      {progress.usualAt !== null && (
        // The words above say the same; the bar is for the eye.
        <span className={styles.track} aria-hidden="true">
          <span
            className={cx(styles.fill, styles[progress.tone])}
            style={{ width: `${String(progress.fill * 100)}%` }}
          />
          <span className={styles.usual} style={{ left: `${String(progress.usualAt * 100)}%` }} />
        </span>
      )}
    </div>
  );
}

function RunRow({ run }: { run: Run }) {
  const sla = slaStatusPresentation(run.slaStatus);
  const target = run.job?.durationTargetSeconds ?? null;
  const team = run.job?.team ?? null;
  return (
    <tr>
      <th scope="row" className={styles.name}>
        {run.job === null ? (
          (run.runName ?? `Run ${run.runId}`)
        ) : (
          <Link to="/jobs/$jobId" params={{ jobId: run.job.jobId }} className={styles.jobLink}>
            {run.job.name}
          </Link>
        )}
        {team !== null && <span className={styles.team}>{team}</span>}
      </th>
      <td>
        <RunStateBadge state={run.state} />
      </td>
      <td className={tables.nowrap}>
        <Timestamp value={run.startTime} />
      </td>
      <td className={styles.progressCell}>
        <Progress run={run} />
      </td>
      <td className={tables.nowrap}>
        <Badge tone={sla.tone} icon={TONE_ICONS[sla.tone]}>
          {sla.label}
        </Badge>
        {target !== null && <span className={styles.target}>target {formatDuration(target)}</span>}
      </td>
      <td className={tables.nowrap}>
        <span className={styles.links}>
          <Link to="/runs/$runId" params={{ runId: run.runId }}>
            Run details<span className="visually-hidden"> of run {run.runId}</span>
          </Link>
          <a href={run.url} target="_blank" rel="noreferrer" className={styles.external}>
            Databricks<span className="visually-hidden"> page of run {run.runId}</span>
            <Icon name="external" size={13} />
          </a>
        </span>
      </td>
    </tr>
  );
}

function RunList({ active, filters }: { active: ActiveRuns; filters: GlobalFilters }) {
  const shown = newestFirst(active.runs.filter((run) => jobMatchesFilters(run.job, filters)));
  const filtered = shown.length < active.runs.length;
  if (active.runs.length === 0) {
    return (
      <EmptyState icon="check" title="Nothing is running right now">
        None of the jobs you can see has a run queued or in progress.
      </EmptyState>
    );
  }
  if (shown.length === 0) {
    return (
      <EmptyState icon="search" title={`No active run of a job with ${filterWords(filters)}`}>
        {formatCount(active.runs.length)} other {active.runs.length === 1 ? 'run is' : 'runs are'}{' '}
        active; clear the filter to see {active.runs.length === 1 ? 'it' : 'them'}.
      </EmptyState>
    );
  }
  return (
    <>
      {(filtered || active.totalCount > active.runs.length) && (
        <p className={cx(tables.muted, styles.note)}>
          {filtered
            ? `Showing the ${formatCount(shown.length)} runs of jobs with ${filterWords(filters)}, of ${formatCount(active.runs.length)} active.`
            : `Showing the newest ${formatCount(active.runs.length)} of ${formatCount(active.totalCount)} active runs.`}
        </p>
      )}
      <div className={tables.wrap}>
        <table className={tables.table}>
          <caption className="visually-hidden">Active runs</caption>
          <thead>
            <tr>
              <th scope="col">Job</th>
              <th scope="col">State</th>
              <th scope="col">Started</th>
              <th scope="col">Elapsed against usual</th>
              <th scope="col">SLA</th>
              <th scope="col">
                <span className="visually-hidden">Links</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {shown.map((run) => (
              <RunRow key={run.runId} run={run} />
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

/** Runs queued or in progress now, each against how long its job usually takes; refreshed live. */
export function ActiveRunsView() {
  const [filters] = useGlobalFilters();
  // Only a refresh asked for shows a spinner: the background ones would make the page flicker.
  const [refreshing, setRefreshing] = useState(false);
  const query = useGraphQLQuery(
    ActiveRunsDocument,
    {},
    {
      refetchInterval: (data) => retryIntervalFor(data?.activeRuns) || REFRESH_MS,
      keepPreviousData: true,
    },
  );
  const refresh = (): void => {
    setRefreshing(true);
    void query.refetch().finally(() => {
      setRefreshing(false);
    });
  };
  if (query.isPending) {
    return (
      <Card title="Active runs">
        <Skeleton label="Loading the active runs" lines={5} />
      </Card>
    );
  }
  if (query.isError) {
    return (
      <QueryError
        what="the active runs"
        error={query.error}
        retrying={query.isFetching}
        onRetry={refresh}
      />
    );
  }
  const result = query.data.activeRuns;
  if (result.__typename !== 'ActiveRuns') return <ApiErrorAlert error={result} />;
  return (
    <Card
      title="Active runs"
      description={`${formatCount(result.totalCount)} queued or running, as of ${formatTimeOfDay(new Date(result.asOf))}; updates every ${String(REFRESH_MS / 1000)} seconds.`}
      actions={
        <Button icon="refresh" busy={refreshing} disabled={refreshing} onClick={refresh}>
          Refresh
        </Button>
      }
    >
      <RunList active={result} filters={filters} />
    </Card>
  );
}

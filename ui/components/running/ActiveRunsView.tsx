import { ActiveRunsDocument, type ActiveRunsQuery } from '../../gql/graphql';
import { retryIntervalFor } from '../../lib/apiErrors';
import { cx } from '../../lib/classNames';
import { formatCount, formatDateTime, formatDuration, formatTimeOfDay } from '../../lib/format';
import { comparedWithUsual } from '../../lib/runs';
import { useGraphQLQuery } from '../../session/useGraphQLQuery';
import { ApiErrorAlert } from '../ApiErrorAlert';
import { EmptyState } from '../EmptyState';
import { Badge } from '../kit/Badge';
import { Button } from '../kit/Button';
import { Card } from '../kit/Card';
import tables from '../kit/DataTable.module.css';
import { RunStateBadge } from '../kit/RunStateBadge';
import { Skeleton } from '../kit/Skeleton';
import { TONE_ICONS } from '../kit/statusIcons';
import { QueryError } from '../QueryError';
import styles from './ActiveRunsView.module.css';

type ActiveRuns = Extract<ActiveRunsQuery['activeRuns'], { __typename: 'ActiveRuns' }>;
type Run = ActiveRuns['runs'][number];

// Live state from the Jobs API: refresh often enough that elapsed times stay honest.
const REFRESH_MS = 15_000;

function RunRow({ run }: { run: Run }) {
  const usual = comparedWithUsual(run.elapsedSeconds, run.expectedSeconds);
  return (
    <tr>
      <th scope="row" className={styles.name}>
        {run.job?.name ?? run.runName ?? `Run ${run.runId}`}
      </th>
      <td>
        <RunStateBadge state={run.state} />
      </td>
      <td className={tables.nowrap}>
        <time dateTime={run.startTime}>{formatDateTime(new Date(run.startTime))}</time>
      </td>
      <td className={tables.number}>{formatDuration(run.elapsedSeconds)}</td>
      <td className={tables.number}>{formatDuration(run.expectedSeconds)}</td>
      <td className={cx(tables.nowrap)}>
        <Badge tone={usual.tone} icon={TONE_ICONS[usual.tone]}>
          {usual.text}
        </Badge>
      </td>
    </tr>
  );
}

function RunList({ active }: { active: ActiveRuns }) {
  if (active.runs.length === 0) {
    return (
      <EmptyState icon="check" title="Nothing is running right now">
        None of the jobs you can see has a run queued or in progress.
      </EmptyState>
    );
  }
  return (
    <>
      {active.totalCount > active.runs.length && (
        <p className={cx(tables.muted, styles.note)}>
          Showing the newest {formatCount(active.runs.length)} of {formatCount(active.totalCount)}{' '}
          active runs.
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
              <th scope="col" className={tables.number}>
                Elapsed
              </th>
              <th scope="col" className={tables.number}>
                Usually
              </th>
              <th scope="col">Compared with usual</th>
            </tr>
          </thead>
          <tbody>
            {active.runs.map((run) => (
              <RunRow key={run.runId} run={run} />
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

/** Runs queued or in progress now, each against how long its job usually takes. */
export function ActiveRunsView() {
  const query = useGraphQLQuery(
    ActiveRunsDocument,
    {},
    { refetchInterval: (data) => retryIntervalFor(data?.activeRuns) || REFRESH_MS },
  );
  const refresh = (): void => {
    void query.refetch();
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
      description={`${formatCount(result.totalCount)} queued or running, as of ${formatTimeOfDay(new Date(result.asOf))}.`}
      busy={query.isFetching}
      actions={
        <Button
          icon="refresh"
          busy={query.isFetching}
          disabled={query.isFetching}
          onClick={refresh}
        >
          Refresh
        </Button>
      }
    >
      <RunList active={result} />
    </Card>
  );
}

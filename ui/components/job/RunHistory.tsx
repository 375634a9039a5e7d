import { JobRunHistoryDocument, type Window } from '../../gql/graphql';
import { retryIntervalFor } from '../../lib/apiErrors';
import { cx } from '../../lib/classNames';
import { formatCount, formatDateTime } from '../../lib/format';
import { chartPoints, runMatrix, windowStartMs, type DagTask } from '../../lib/jobPage';
import { windowLabel } from '../../lib/windows';
import { useGraphQLQuery } from '../../session/useGraphQLQuery';
import { ApiErrorAlert } from '../ApiErrorAlert';
import { EmptyState } from '../EmptyState';
import { Card } from '../kit/Card';
import tables from '../kit/DataTable.module.css';
import { Skeleton } from '../kit/Skeleton';
import { QueryError } from '../QueryError';
import { RunHistoryChart } from './RunHistoryChart';
import { RunMatrix } from './RunMatrix';
import styles from './RunHistory.module.css';

/** The most runs the API gives in one page; the chart draws at most these. */
const HISTORY_RUNS = 100;
/** The matrix's columns: enough to see a pattern, few enough to read each square. */
const MATRIX_RUNS = 30;
// New runs arrive every few minutes for the busiest jobs.
const REFRESH_MS = 60_000;

interface RunHistoryProps {
  jobId: string;
  tasks: readonly DagTask[];
  window: Window;
  p50Seconds: number | null;
  p90Seconds: number | null;
  targetSeconds: number | null;
}

function NoRuns({ window }: { window: Window }) {
  return (
    <EmptyState icon="clock" title="No runs in this window">
      The job has not run in the {windowLabel(window).toLowerCase()}; choose a longer window in the
      filter bar.
    </EmptyState>
  );
}

/** The job's latest runs: their durations over the window, and each task's state in each run. */
export function RunHistory({ jobId, tasks, window, ...chart }: RunHistoryProps) {
  const query = useGraphQLQuery(
    JobRunHistoryDocument,
    { jobId, first: HISTORY_RUNS },
    { refetchInterval: (data) => retryIntervalFor(data?.jobRuns) || REFRESH_MS },
  );
  const chartTitle = 'Run history';
  const matrixTitle = 'Tasks in recent runs';
  if (query.isPending) {
    return (
      <>
        <Card title={chartTitle} busy>
          <Skeleton label="Loading the job’s runs" lines={6} />
        </Card>
        <Card title={matrixTitle} busy>
          <Skeleton label="Loading the job’s tasks in recent runs" lines={4} />
        </Card>
      </>
    );
  }
  if (query.isError) {
    return (
      <QueryError
        what="the job’s runs"
        error={query.error}
        retrying={query.isFetching}
        onRetry={() => void query.refetch()}
      />
    );
  }
  const result = query.data.jobRuns;
  if (result.__typename !== 'JobRunConnection') return <ApiErrorAlert error={result} />;

  // The window ends when the runs were read, so the chart and the list agree.
  const nowMs = query.dataUpdatedAt;
  const sinceMs = windowStartMs(window, nowMs);
  const inWindow = result.nodes.filter((run) => Date.parse(run.startTime) >= sinceMs);
  const points = chartPoints(inWindow, sinceMs);
  const matrix = runMatrix(inWindow, tasks, MATRIX_RUNS);
  // Every run read is in the window and there are more: older runs of the window are not drawn,
  // so the chart starts at the oldest drawn rather than leave the window's start empty.
  const cut = result.pageInfo.hasNextPage && inWindow.length === result.nodes.length;
  const fromMs = cut ? Math.min(...points.map((point) => point.time)) : sinceMs;
  return (
    <>
      <Card
        title={chartTitle}
        description="How long each finished run took, by its start and outcome."
        busy={query.isFetching}
      >
        {inWindow.length === 0 ? (
          <NoRuns window={window} />
        ) : points.length === 0 ? (
          <EmptyState icon="clock" title="No finished runs in this window yet">
            Its runs of the window are still going; each shows here once it ends.
          </EmptyState>
        ) : (
          <>
            {cut && (
              <p className={cx(tables.muted, styles.note)}>
                Showing the latest {formatCount(inWindow.length)} runs, from{' '}
                {formatDateTime(new Date(fromMs))}; the window’s older runs are left out.
              </p>
            )}
            <RunHistoryChart points={points} fromMs={fromMs} toMs={nowMs} {...chart} />
          </>
        )}
      </Card>
      <Card
        title={matrixTitle}
        description={`Its latest runs of the window (up to ${formatCount(MATRIX_RUNS)}), newest on the right: a square per task and run.`}
        busy={query.isFetching}
      >
        {matrix.columns.length === 0 ? <NoRuns window={window} /> : <RunMatrix matrix={matrix} />}
      </Card>
    </>
  );
}

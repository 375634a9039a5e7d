import { Link } from '@tanstack/react-router';

import { RunPageDocument, type RunPageQuery } from '../../gql/graphql';
import { retryIntervalFor } from '../../lib/apiErrors';
import { formatCount, formatDuration, formatMoney } from '../../lib/format';
import {
  runStateLabel,
  runStateTone,
  slaStatusPresentation,
  terminationCodeLabel,
} from '../../lib/runs';
import { attemptText, costNotes, repairText, runTriggerText } from '../../lib/timeline';
import { useGraphQLQuery } from '../../session/useGraphQLQuery';
import { ApiErrorAlert } from '../ApiErrorAlert';
import { ExternalLink } from '../job/ExternalLink';
import linkButton from '../job/linkButton.module.css';
import { Figures, type Figure } from '../job/Figures';
import { Badge } from '../kit/Badge';
import { Card } from '../kit/Card';
import { Icon } from '../kit/Icon';
import { RunStateBadge } from '../kit/RunStateBadge';
import { Skeleton } from '../kit/Skeleton';
import { TONE_ICONS } from '../kit/statusIcons';
import { PageHeader } from '../PageHeader';
import { QueryError } from '../QueryError';
import { Timestamp } from '../running/Timestamp';
import { FailedTasks } from './FailedTasks';
import { RunTimeline } from './RunTimeline';
import styles from './RunView.module.css';

type Run = Extract<RunPageQuery['jobRun'], { __typename: 'JobRun' }>;

// A run going now changes by the second; its bars follow at this pace.
const ACTIVE_REFRESH_MS = 10_000;

function runFigures(run: Run): Figure[] {
  return [
    { label: 'State', value: <RunStateBadge state={run.runState} /> },
    { label: 'Started', value: <Timestamp value={run.startTime} /> },
    {
      label: 'Ended',
      value: run.endTime === null ? 'Still going' : <Timestamp value={run.endTime} />,
      note: run.terminationCode === null ? undefined : terminationCodeLabel(run.terminationCode),
    },
    {
      label: run.durationSeconds === null ? 'Running for' : 'Duration',
      value: formatDuration(run.durationSeconds ?? run.elapsedSeconds),
      note:
        run.expectedSeconds === null
          ? 'repairs included'
          : `usually ${formatDuration(run.expectedSeconds)}; repairs included`,
    },
    { label: 'Queued', value: formatDuration(run.queueSeconds) },
    { label: 'Started by', value: runTriggerText(run.trigger) },
    { label: 'Attempt', value: attemptText(run.attempt) },
    { label: 'Repairs', value: repairText(run.repairCount) },
  ];
}

function SlaCard({ run }: { run: Run }) {
  const status = slaStatusPresentation(run.slaStatus);
  const target = run.job?.sla.targetSeconds ?? null;
  return (
    <Card title="SLA" description="Against the job’s duration target.">
      <p className={styles.badgeLine}>
        <Badge tone={status.tone} icon={TONE_ICONS[status.tone]}>
          {status.label}
        </Badge>
      </p>
      <p className={styles.muted}>
        {target === null
          ? 'The job has no duration target.'
          : run.durationSeconds === null
            ? `Target ${formatDuration(target)}; this run has gone ${formatDuration(run.elapsedSeconds)} so far.`
            : `Target ${formatDuration(target)}; this run took ${formatDuration(run.durationSeconds)}.`}
      </p>
    </Card>
  );
}

function CostCard({ cost }: { cost: Run['cost'] }) {
  return (
    <Card title="Cost" description={`At list price, in ${cost.currency}; repairs included.`}>
      <Figures
        figures={[
          { label: 'Cost', value: formatMoney(cost.listCostUsd, cost.currency) },
          { label: 'DBUs', value: formatCount(Math.round(cost.dbus * 100) / 100) },
        ]}
      />
      <ul className={styles.notes}>
        {costNotes(cost).map((note) => (
          <li key={note}>{note}</li>
        ))}
      </ul>
    </Card>
  );
}

function RunDetails({ run, nowMs }: { run: Run; nowMs: number }) {
  const name = run.job?.name ?? run.runName ?? `Run ${run.runId}`;
  const failed = run.tasks.filter((task) => runStateTone(task.state) === 'critical');
  return (
    <>
      <PageHeader
        title={name}
        description={`Run ${run.runId}: ${runStateLabel(run.runState).toLowerCase()}.`}
        actions={
          <>
            {run.job !== null && (
              <Link to="/jobs/$jobId" params={{ jobId: run.job.jobId }} className={linkButton.link}>
                <Icon name="list" size={14} />
                Job page
              </Link>
            )}
            <ExternalLink href={run.url}>Open in Databricks</ExternalLink>
          </>
        }
      />
      <div className={styles.stack}>
        <div className={styles.top}>
          <Card title="Run" description="When it ran, what started it, and how it ended.">
            <Figures figures={runFigures(run)} />
            {run.runMessage !== null && run.runMessage !== '' && (
              <p className={styles.message}>
                <span className={styles.messageLabel}>Databricks says: </span>
                {run.runMessage}
              </p>
            )}
          </Card>
          <div className={styles.side}>
            <SlaCard run={run} />
            <CostCard cost={run.cost} />
          </div>
        </div>
        <RunTimeline run={run} nowMs={nowMs} />
        {failed.length > 0 && <FailedTasks tasks={failed} />}
      </div>
    </>
  );
}

/** One run: its tasks along their dependencies, why it failed, what it cost, and its SLA. */
export function RunView({ runId }: { runId: string }) {
  const query = useGraphQLQuery(
    RunPageDocument,
    { runId },
    {
      refetchInterval: (data) => {
        const run = data?.jobRun;
        return run?.__typename === 'JobRun' && run.isActive
          ? ACTIVE_REFRESH_MS
          : retryIntervalFor(run);
      },
      // While the Jobs API cannot be read, the run's message and attempt are null; history shows.
      partial: true,
    },
  );
  if (query.isPending) {
    return (
      <>
        <PageHeader title={`Run ${runId}`} description="Loading the run…" />
        <Card title="Run" busy>
          <Skeleton label="Loading the run" lines={5} />
        </Card>
      </>
    );
  }
  if (query.isError) {
    return (
      <>
        <PageHeader title={`Run ${runId}`} description="The run could not be loaded." />
        <QueryError
          what="the run"
          error={query.error}
          retrying={query.isFetching}
          onRetry={() => void query.refetch()}
        />
      </>
    );
  }
  const run = query.data.jobRun;
  if (run.__typename !== 'JobRun') {
    return (
      <>
        <PageHeader title={`Run ${runId}`} description="A run of a job you can see." />
        <ApiErrorAlert error={run} />
      </>
    );
  }
  return <RunDetails run={run} nowMs={query.dataUpdatedAt} />;
}

import {
  JobUtilizationDocument,
  UtilizationThresholdsDocument,
  type JobUtilizationQuery,
  type UsageSpreadFieldsFragment,
  type Window,
} from '../../gql/graphql';
import { retryIntervalFor } from '../../lib/apiErrors';
import { cx } from '../../lib/classNames';
import { formatCount, formatMoney, formatPercent } from '../../lib/format';
import {
  clusterText,
  formatUsage,
  retentionNote,
  unmeasurableTitle,
  unmeasuredRunsText,
  usageBar,
  usageBarText,
} from '../../lib/utilization';
import { windowLabel } from '../../lib/windows';
import { useGraphQLQuery } from '../../session/useGraphQLQuery';
import { EmptyState } from '../EmptyState';
import { Badge } from '../kit/Badge';
import { Card } from '../kit/Card';
import tables from '../kit/DataTable.module.css';
import type { IconName } from '../kit/Icon';
import { Figures, type Figure } from './Figures';
import { JobCardQuery } from './JobCardQuery';
import styles from './Utilization.module.css';
import { UtilizationFindings } from './UtilizationFindings';

type Result = NonNullable<
  Extract<JobUtilizationQuery['job'], { __typename: 'Job' }>['utilization']
>;
type Measured = Extract<Result, { __typename: 'JobUtilization' }>;
type Unmeasured = Extract<Result, { __typename: 'UnmeasurableUtilization' }>;

/** The over-provisioning rule in force, when the API has told it. */
interface Thresholds {
  cpuThresholdPercent: number;
  memoryThresholdPercent: number;
}

const TITLE = 'Utilisation';

function description(window: Window): string {
  return `How busy its job clusters were per run-minute over the ${windowLabel(window).toLowerCase()}: CPU busy and memory used of the driver and the workers.`;
}

interface UsageRow {
  label: string;
  spread: UsageSpreadFieldsFragment | null;
  /** Under this, a worker's minute counts as idle: marked on the bar. */
  idleBelow: number | null;
}

function UsageBarCell({ row }: { row: UsageRow }) {
  if (row.spread === null) return <td className={styles.barCell} />;
  const bar = usageBar(row.spread);
  const percent = (share: number): string => `${String(share * 100)}%`;
  const text = usageBarText(row.label, row.spread, row.idleBelow);
  return (
    <td className={styles.barCell}>
      <div className={styles.track} role="img" aria-label={text} title={text}>
        <span className={styles.p90} style={{ width: percent(bar.p90) }} />
        <span className={styles.p50} style={{ width: percent(bar.p50) }} />
        <span className={styles.peak} style={{ left: percent(bar.peak) }} />
        {row.idleBelow !== null && (
          <span className={styles.threshold} style={{ left: `${String(row.idleBelow)}%` }} />
        )}
      </div>
    </td>
  );
}

function UsageTable({ rows }: { rows: readonly UsageRow[] }) {
  return (
    <div className={tables.wrap}>
      <table className={tables.table}>
        <caption className="visually-hidden">CPU and memory per run-minute</caption>
        <thead>
          <tr>
            <th scope="col">Per run-minute</th>
            <th scope="col" className={styles.barHeader}>
              <span className="visually-hidden">Spread from 0 to 100%</span>
              <span aria-hidden="true" className={styles.scale}>
                <span>0</span>
                <span>50%</span>
                <span>100%</span>
              </span>
            </th>
            <th scope="col" className={tables.number}>
              p50
            </th>
            <th scope="col" className={tables.number}>
              p90
            </th>
            <th scope="col" className={tables.number}>
              Peak
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.label}>
              <th scope="row" className={tables.nowrap}>
                {row.label}
              </th>
              {row.spread === null ? (
                <td colSpan={4} className={tables.muted}>
                  No workers: a single-node cluster
                </td>
              ) : (
                <>
                  <UsageBarCell row={row} />
                  <td className={tables.number}>{formatUsage(row.spread.p50Percent)}</td>
                  <td className={tables.number}>{formatUsage(row.spread.p90Percent)}</td>
                  <td className={tables.number}>{formatUsage(row.spread.peakPercent)}</td>
                </>
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Legend({ thresholds }: { thresholds: Thresholds | null }) {
  return (
    <ul className={styles.legend} aria-hidden="true">
      <li>
        <span className={cx(styles.key, styles.keyP50)} />
        p50: half the minutes were busier
      </li>
      <li>
        <span className={cx(styles.key, styles.keyP90)} />
        p90: one in ten was busier
      </li>
      <li>
        <span className={cx(styles.key, styles.keyPeak)} />
        Peak: the busiest minute
      </li>
      {thresholds !== null && (
        <li>
          <span className={cx(styles.key, styles.keyThreshold)} />
          Workers under {formatUsage(thresholds.cpuThresholdPercent)} CPU and{' '}
          {formatUsage(thresholds.memoryThresholdPercent)} memory count as idle
        </li>
      )}
    </ul>
  );
}

function measuredFigures(utilization: Measured, thresholds: Thresholds | null): Figure[] {
  const cluster = clusterText(utilization.cluster);
  const idleRule =
    thresholds === null
      ? 'worker run-minutes with CPU and memory both under the idle thresholds'
      : `worker run-minutes under ${formatUsage(thresholds.cpuThresholdPercent)} CPU and ${formatUsage(thresholds.memoryThresholdPercent)} memory`;
  return [
    {
      label: 'Runs observed',
      value: formatCount(utilization.runsObserved),
      note: `of ${formatCount(utilization.runs)} ${utilization.runs === 1 ? 'run' : 'runs'} in the window had node data`,
    },
    {
      label: 'Minutes observed',
      value: formatCount(utilization.minutesObserved),
      note: 'run-minutes: a minute of a run on one of its job clusters',
    },
    {
      label: 'Idle workers',
      value: formatPercent(utilization.underusedMinuteShare),
      note:
        utilization.underusedMinuteShare === null ? 'no run-minute had workers' : `of ${idleRule}`,
      emphasis: utilization.overProvisioned ? 'caution' : undefined,
    },
    { label: 'Cluster', value: cluster.value, note: cluster.note },
    {
      label: 'Possible saving',
      value: formatMoney(utilization.estimatedMonthlySavingUsd, 'USD'),
      note:
        utilization.estimatedMonthlySavingUsd > 0
          ? 'a month at list price, from the findings below'
          : 'no finding saves money',
      emphasis: utilization.estimatedMonthlySavingUsd > 0 ? 'caution' : undefined,
    },
  ];
}

function NoFindings() {
  return (
    <p className={styles.none}>
      Nothing to change: its workers are busy enough, and its cluster size fits its runs.
    </p>
  );
}

function MeasuredUtilization({
  utilization,
  thresholds,
}: {
  utilization: Measured;
  thresholds: Thresholds | null;
}) {
  const rows: UsageRow[] = [
    { label: 'Driver CPU', spread: utilization.driverCpu, idleBelow: null },
    { label: 'Driver memory', spread: utilization.driverMemory, idleBelow: null },
    {
      label: 'Worker CPU',
      spread: utilization.workerCpu,
      idleBelow: thresholds?.cpuThresholdPercent ?? null,
    },
    {
      label: 'Worker memory',
      spread: utilization.workerMemory,
      idleBelow: thresholds?.memoryThresholdPercent ?? null,
    },
  ];
  const note = retentionNote(utilization.window);
  return (
    <div className={styles.stack}>
      <div className={styles.measured}>
        <div className={styles.usage}>
          <UsageTable rows={rows} />
          <Legend thresholds={thresholds} />
        </div>
        <Figures figures={measuredFigures(utilization, thresholds)} />
      </div>
      {note !== null && <p className={styles.none}>{note}</p>}
      <div>
        <h3 className={styles.subheading}>Findings</h3>
        {utilization.findings.length === 0 ? (
          <NoFindings />
        ) : (
          <UtilizationFindings findings={utilization.findings} />
        )}
      </div>
    </div>
  );
}

const UNMEASURED_ICONS: Record<Unmeasured['reason'], IconName> = {
  SERVERLESS: 'cloud',
  SHARED_CLUSTER: 'laptop',
  NO_DATA: 'clock',
};

function UnmeasuredUtilization({ utilization }: { utilization: Unmeasured }) {
  return (
    <div className={styles.stack}>
      <EmptyState
        icon={UNMEASURED_ICONS[utilization.reason]}
        title={unmeasurableTitle(utilization.reason)}
      >
        <p>{utilization.message}</p>
        <p>{unmeasuredRunsText(utilization)}</p>
      </EmptyState>
      {utilization.findings.length > 0 && (
        <div>
          <h3 className={styles.subheading}>Findings</h3>
          <UtilizationFindings findings={utilization.findings} />
        </div>
      )}
    </div>
  );
}

/**
 * The job's CPU and memory over the filter bar's window, driver and workers, with what they say
 * and what to change; or, for serverless runs, shared clusters and jobs without node data, why it
 * cannot be measured. Its own request: reading node data must not hold up the rest of the page.
 */
export function JobUtilizationCard({ jobId, window }: { jobId: string; window: Window }) {
  const query = useGraphQLQuery(
    JobUtilizationDocument,
    { jobId, window },
    { refetchInterval: (data) => retryIntervalFor(data?.job) },
  );
  const rule = useGraphQLQuery(UtilizationThresholdsDocument, {});
  const ruleAnswer = rule.data?.overProvisionedJobs;
  const thresholds = ruleAnswer?.__typename === 'OverProvisionedJobs' ? ruleAnswer : null;

  return (
    <JobCardQuery
      query={query}
      title={TITLE}
      description={description(window)}
      what="the job’s utilisation"
      lines={4}
    >
      {(job) => (
        <JobUtilizationDetails
          utilization={job.utilization}
          window={window}
          thresholds={thresholds}
        />
      )}
    </JobCardQuery>
  );
}

function JobUtilizationDetails({
  utilization,
  window,
  thresholds,
}: {
  utilization: Result | null;
  window: Window;
  thresholds: Thresholds | null;
}) {
  return (
    <Card
      title={TITLE}
      description={description(window)}
      actions={
        utilization?.__typename === 'JobUtilization' && utilization.overProvisioned ? (
          <Badge tone="warning" icon="warning">
            Over-provisioned
          </Badge>
        ) : undefined
      }
    >
      {utilization === null ? (
        <EmptyState icon="question" title="Utilisation could not be read">
          The service gave no answer for this job; reload the page to ask again.
        </EmptyState>
      ) : utilization.__typename === 'JobUtilization' ? (
        <MeasuredUtilization utilization={utilization} thresholds={thresholds} />
      ) : (
        <UnmeasuredUtilization utilization={utilization} />
      )}
    </Card>
  );
}

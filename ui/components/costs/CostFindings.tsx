import type { UseQueryResult } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';

import type { CostFindingsQuery } from '../../gql/graphql';
import { cx } from '../../lib/classNames';
import { anomaliesByJob, causeText, excessOf, zombieReasonText } from '../../lib/costs';
import type { GlobalFilters } from '../../lib/filters';
import { formatCount, formatMoney, formatPercent, formatRatio } from '../../lib/format';
import { filterWords, jobMatchesFilters } from '../../lib/runs';
import { ApiErrorAlert } from '../ApiErrorAlert';
import { EmptyState } from '../EmptyState';
import { Card } from '../kit/Card';
import tables from '../kit/DataTable.module.css';
import { Skeleton } from '../kit/Skeleton';
import { HeadlineFigures } from '../overview/HeadlineFigures';
import { QueryError } from '../QueryError';
import { Timestamp } from '../running/Timestamp';
import { ChangeCell } from './BreakdownCard';
import styles from './Costs.module.css';

type Findings = CostFindingsQuery;
type Anomalies = Extract<Findings['costAnomalies'], { __typename: 'CostAnomalies' }>;
type Anomaly = Anomalies['anomalies'][number];
type Zombies = Extract<Findings['zombieJobs'], { __typename: 'ZombieJobs' }>;
type Zombie = Zombies['jobs'][number];

function JobName({ job }: { job: { jobId: string; name: string; team: string | null } | null }) {
  if (job === null) return <span className={tables.muted}>A deleted job</span>;
  return (
    <>
      <Link to="/jobs/$jobId" params={{ jobId: job.jobId }} className={styles.jobLink}>
        {job.name}
      </Link>
      {job.team !== null && <span className={styles.aside}>{job.team}</span>}
    </>
  );
}

function AnomalyTable({
  anomalies,
  currency,
}: {
  anomalies: readonly Anomaly[];
  currency: string;
}) {
  return (
    <div className={tables.wrap}>
      <table className={tables.table}>
        <caption className="visually-hidden">Cost anomalies</caption>
        <thead>
          <tr>
            <th scope="col">Job</th>
            <th scope="col" className={tables.number}>
              Runs
            </th>
            <th scope="col" className={tables.number}>
              Cost
            </th>
            <th scope="col">Likely cause</th>
          </tr>
        </thead>
        <tbody>
          {anomaliesByJob(anomalies).map((group) => {
            const { costliest } = group;
            return (
              <tr key={group.key}>
                <th scope="row" className={styles.groupName}>
                  <JobName job={group.job} />
                </th>
                <td className={tables.number}>{formatCount(group.runs)}</td>
                <td className={tables.number}>
                  {formatMoney(group.listCostUsd, currency)}
                  <span className={styles.aside}>
                    +{formatMoney(group.excessUsd, currency)} above usual
                  </span>
                </td>
                <td>
                  {causeText(costliest)}
                  <span className={styles.aside}>
                    Costliest run:{' '}
                    {costliest.run === null ? (
                      `${formatRatio(costliest.ratio)} its usual cost`
                    ) : (
                      <Link to="/runs/$runId" params={{ runId: costliest.run.runId }}>
                        {formatRatio(costliest.ratio)} its usual cost
                      </Link>
                    )}
                    , started <Timestamp value={costliest.startTime} />
                  </span>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

function AnomaliesCard({
  result,
  filters,
  limit,
  currency,
}: {
  result: Findings['costAnomalies'];
  filters: GlobalFilters;
  limit: number;
  currency: string;
}) {
  if (result.__typename !== 'CostAnomalies') {
    return (
      <Card title="Cost anomalies">
        <ApiErrorAlert error={result} />
      </Card>
    );
  }
  const shown = result.anomalies.filter((a) => jobMatchesFilters(a.job, filters));
  const words = filterWords(filters);
  const rule = `Runs that cost more than ${formatRatio(result.ratioThreshold)} their job's usual (p90) run cost over the ${String(result.baselineDays)} days before the window, one row per job.`;
  return (
    <Card
      title="Cost anomalies"
      description={
        result.anomalies.length >= limit ? `${rule} The ${String(limit)} largest.` : rule
      }
    >
      {shown.length === 0 ? (
        <EmptyState icon="check" title="No run cost far more than usual">
          {words === ''
            ? 'Every run in this window cost about what its job usually costs.'
            : `No run of a job with ${words} cost far more than usual in this window.`}
        </EmptyState>
      ) : (
        <AnomalyTable anomalies={shown} currency={currency} />
      )}
    </Card>
  );
}

function ZombieTable({ zombies, currency }: { zombies: readonly Zombie[]; currency: string }) {
  return (
    <div className={tables.wrap}>
      <table className={tables.table}>
        <caption className="visually-hidden">Zombie jobs</caption>
        <thead>
          <tr>
            <th scope="col">Job</th>
            <th scope="col">Why</th>
            <th scope="col" className={tables.number}>
              Spend
            </th>
          </tr>
        </thead>
        <tbody>
          {zombies.map((zombie) => (
            <tr key={zombie.job.jobId}>
              <th scope="row" className={styles.groupName}>
                <JobName job={zombie.job} />
              </th>
              <td>{zombieReasonText(zombie.reason, zombie.runs, zombie.longestRunSeconds)}</td>
              <td className={tables.number}>{formatMoney(zombie.listCostUsd, currency)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function ZombiesCard({
  result,
  filters,
  currency,
}: {
  result: Findings['zombieJobs'];
  filters: GlobalFilters;
  currency: string;
}) {
  if (result.__typename !== 'ZombieJobs') {
    return (
      <Card title="Zombie jobs">
        <ApiErrorAlert error={result} />
      </Card>
    );
  }
  const shown = result.jobs.filter((z) => jobMatchesFilters(z.job, filters));
  return (
    <Card
      title="Zombie jobs"
      description="Scheduled jobs that keep spending without a useful result: no successful run, or only runs that end within a minute."
    >
      {shown.length === 0 ? (
        <EmptyState icon="check" title="No zombie jobs">
          Every scheduled job that spent in this window had a successful run of over a minute.
        </EmptyState>
      ) : (
        <ZombieTable zombies={shown} currency={currency} />
      )}
    </Card>
  );
}

function TopJobsCard({ result }: { result: Findings['topJobs'] }) {
  if (result.__typename !== 'CostBreakdown') {
    return (
      <Card title="Top jobs by spend">
        <ApiErrorAlert error={result} />
      </Card>
    );
  }
  return (
    <Card title="Top jobs by spend" description="The jobs that cost most in the window.">
      {result.groups.length === 0 ? (
        <EmptyState icon="chart" title="No job spent in this window" />
      ) : (
        <div className={tables.wrap}>
          <table className={tables.table}>
            <caption className="visually-hidden">Top jobs by spend</caption>
            <thead>
              <tr>
                <th scope="col">Job</th>
                <th scope="col" className={tables.number}>
                  Spend
                </th>
                <th scope="col" className={tables.number}>
                  Share
                </th>
                <th scope="col" className={tables.number}>
                  Change
                </th>
              </tr>
            </thead>
            <tbody>
              {result.groups.map((group) => (
                <tr key={group.key ?? ''}>
                  <th scope="row" className={styles.groupName}>
                    {group.job === null ? (
                      <span className={tables.muted}>Job {group.key}</span>
                    ) : (
                      <JobName job={group.job} />
                    )}
                  </th>
                  <td className={tables.number}>
                    {formatMoney(group.listCostUsd, result.currency)}
                  </td>
                  <td className={cx(tables.number, tables.muted)}>{formatPercent(group.share)}</td>
                  <ChangeCell
                    change={group.changeVsPreviousWindow}
                    previous={group.previousListCostUsd}
                  />
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Card>
  );
}

function WastedSpend({
  findings,
  filters,
  currency,
}: {
  findings: Findings;
  filters: GlobalFilters;
  currency: string;
}) {
  const { costAnomalies, zombieJobs } = findings;
  if (costAnomalies.__typename !== 'CostAnomalies' || zombieJobs.__typename !== 'ZombieJobs') {
    return null;
  }
  const zombies = zombieJobs.jobs.filter((z) => jobMatchesFilters(z.job, filters));
  const anomalies = costAnomalies.anomalies.filter((a) => jobMatchesFilters(a.job, filters));
  const jobs = anomaliesByJob(anomalies).length;
  return (
    <HeadlineFigures
      label="Wasted spend figures"
      figures={[
        {
          label: 'Zombie jobs',
          value: formatMoney(
            zombies.reduce((sum, z) => sum + z.listCostUsd, 0),
            currency,
          ),
          note: `spent by ${formatCount(zombies.length)} ${zombies.length === 1 ? 'job' : 'jobs'} without a useful result`,
          alarming: zombies.length > 0,
          wide: true,
        },
        {
          label: 'Above usual',
          value: formatMoney(excessOf(anomalies), currency),
          note:
            anomalies.length === 0
              ? 'no run cost far more than usual'
              : `what ${formatCount(anomalies.length)} costly ${anomalies.length === 1 ? 'run' : 'runs'} of ${formatCount(jobs)} ${jobs === 1 ? 'job' : 'jobs'} cost above their usual`,
          wide: true,
        },
      ]}
    />
  );
}

/** What the spend tells: costly runs and their likely causes, zombie jobs, the dearest jobs. */
export function CostFindings({
  query,
  filters,
  anomalyLimit,
  currency,
}: {
  query: UseQueryResult<Findings>;
  filters: GlobalFilters;
  anomalyLimit: number;
  /** The breakdowns' currency: anomalies and zombies are priced alike but do not name it. */
  currency: string;
}) {
  if (query.isPending) {
    return (
      <Card title="Loading anomalies and zombie jobs">
        <Skeleton label="Loading anomalies and zombie jobs" lines={5} />
      </Card>
    );
  }
  if (query.isError) {
    return (
      <QueryError
        what="anomalies and zombie jobs"
        error={query.error}
        retrying={query.isFetching}
        onRetry={() => void query.refetch()}
      />
    );
  }
  return (
    <div className={cx(styles.stack, query.isPlaceholderData && styles.stale)}>
      <section aria-labelledby="wasted-spend" className={styles.stack}>
        <h2 id="wasted-spend" className={styles.heading}>
          Wasted spend
        </h2>
        <WastedSpend findings={query.data} filters={filters} currency={currency} />
        <AnomaliesCard
          result={query.data.costAnomalies}
          filters={filters}
          limit={anomalyLimit}
          currency={currency}
        />
        <ZombiesCard result={query.data.zombieJobs} filters={filters} currency={currency} />
      </section>
      <TopJobsCard result={query.data.topJobs} />
    </div>
  );
}

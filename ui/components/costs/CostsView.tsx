import {
  CostFindingsDocument,
  CostSummaryDocument,
  type CostSummaryQuery,
} from '../../gql/graphql';
import { retryIntervalFor, type ApiError } from '../../lib/apiErrors';
import { cx } from '../../lib/classNames';
import { apiErrorsIn, changeText, previousWindowLabel } from '../../lib/costs';
import type { GlobalFilters } from '../../lib/filters';
import { formatCount, formatMoney } from '../../lib/format';
import { namePatternFor } from '../../lib/jobList';
import { filterWords } from '../../lib/runs';
import { windowLabel } from '../../lib/windows';
import { useGlobalFilters } from '../../session/globalFilters';
import { useGraphQLQuery } from '../../session/useGraphQLQuery';
import { ApiErrorAlert } from '../ApiErrorAlert';
import { EmptyState } from '../EmptyState';
import { Card } from '../kit/Card';
import { Skeleton } from '../kit/Skeleton';
import { HeadlineFigures, type Figure } from '../overview/HeadlineFigures';
import { QueryError } from '../QueryError';
import { Timestamp } from '../running/Timestamp';
import { BreakdownCard, type Breakdown } from './BreakdownCard';
import styles from './Costs.module.css';
import { CostFindings } from './CostFindings';
import { CostSavings, type SavingsListing } from './CostSavings';

type Summary = CostSummaryQuery;

// The anomalies CostFindings.graphql asks for: when that many come, the list says it has the largest.
const ANOMALY_LIMIT = 50;

function summaryError(summary: Summary | undefined): ApiError | undefined {
  if (summary === undefined) return undefined;
  return apiErrorsIn([summary.byTeam, summary.bySku, summary.byComputeType, summary.jobs])[0];
}

function Freshness({ dataThrough }: { dataThrough: string | null }) {
  return (
    <p className={styles.freshness}>
      {dataThrough === null ? (
        'No billing data has arrived in the last week; usage usually lands within hours.'
      ) : (
        <>
          Billing data through <Timestamp value={dataThrough} />. Usage lands within hours, so the
          last hours of the window are still filling.
        </>
      )}
    </p>
  );
}

function spendFigures(spend: Breakdown, filters: GlobalFilters): Figure[] {
  const figures: Figure[] = [
    {
      label: 'Spend',
      value: formatMoney(spend.listCostUsd, spend.currency),
      note: changeText(spend.changeVsPreviousWindow, spend.previousListCostUsd, filters.window),
      wide: true,
    },
    {
      label: 'Previous window',
      value: formatMoney(spend.previousListCostUsd, spend.currency),
      note: `the ${previousWindowLabel(filters.window)}`,
    },
    {
      label: 'DBUs',
      value: formatCount(Math.round(spend.dbus)),
      note: 'Databricks units billed',
    },
  ];
  // Null for a viewer who does not see every job: it cannot be split by job, so it is not theirs.
  if (spend.unattributedUsd !== null) {
    figures.push({
      label: 'Unattributed',
      value: formatMoney(spend.unattributedUsd, spend.currency),
      note: 'all-purpose clusters jobs ran on, and usage without a job: in no total, and not filtered',
      wide: true,
    });
  }
  return figures;
}

function NoJobs({ filters }: { filters: GlobalFilters }) {
  const words = filterWords(filters);
  return words === '' ? (
    <EmptyState icon="list" title="No jobs you can see">
      Spend shows for the jobs you may see, and you have no permission on any job in this workspace
      yet. A job&apos;s owner can share it with you or with one of your groups.
    </EmptyState>
  ) : (
    <EmptyState icon="search" title={`No jobs with ${words}`}>
      No job you can see has {words}; clear the filter to see all of your spend.
    </EmptyState>
  );
}

function SpendBreakdowns({
  summary,
  filters,
  stale,
}: {
  summary: Summary;
  filters: GlobalFilters;
  stale: boolean;
}) {
  const { byTeam, bySku, byComputeType, jobs } = summary;
  if (
    byTeam.__typename !== 'CostBreakdown' ||
    bySku.__typename !== 'CostBreakdown' ||
    byComputeType.__typename !== 'CostBreakdown' ||
    jobs.__typename !== 'JobConnection'
  ) {
    return null;
  }
  const words = filterWords(filters);
  return (
    <div className={cx(styles.stack, stale && styles.stale)}>
      <Freshness dataThrough={byTeam.dataThrough} />
      {jobs.totalCount === 0 ? (
        <NoJobs filters={filters} />
      ) : byTeam.groupCount === 0 ? (
        <EmptyState icon="chart" title="No spend in this window">
          None of the {formatCount(jobs.totalCount)} jobs you can see
          {words === '' ? '' : ` with ${words}`} was billed in the{' '}
          {windowLabel(filters.window).toLowerCase()}.
        </EmptyState>
      ) : (
        <>
          {words !== '' && (
            <p className={styles.filtered}>
              Spend of the {formatCount(jobs.totalCount)} jobs with {words}.
            </p>
          )}
          <HeadlineFigures label="Spend" figures={spendFigures(byTeam, filters)} />
          <BreakdownCard
            title="By team"
            groupName="Team"
            description="Per the jobs' team tag; untagged jobs together."
            breakdown={byTeam}
            wide
          />
          <div className={styles.columns}>
            <BreakdownCard
              title="By SKU"
              groupName="SKU"
              description="Per billing SKU, at list price."
              breakdown={bySku}
            />
            <BreakdownCard
              title="By compute type"
              groupName="Compute type"
              description="Jobs compute, serverless, and all-purpose clusters jobs ran on."
              breakdown={byComputeType}
            />
          </div>
        </>
      )}
    </div>
  );
}

/** Spend over the filter bar's window, team and name: breakdowns, findings, savings and freshness. */
export function CostsView({ savingsListing }: { savingsListing: SavingsListing }) {
  const [filters] = useGlobalFilters();
  const variables = {
    window: filters.window,
    team: filters.team,
    namePattern: namePatternFor(filters.q),
  };
  const summary = useGraphQLQuery(CostSummaryDocument, variables, {
    refetchInterval: (data) => retryIntervalFor(summaryError(data)),
    keepPreviousData: true,
  });
  const findings = useGraphQLQuery(CostFindingsDocument, variables, {
    refetchInterval: (data) =>
      retryIntervalFor(data && apiErrorsIn([data.topJobs, data.costAnomalies, data.zombieJobs])[0]),
    keepPreviousData: true,
  });

  if (summary.isPending) {
    return (
      <Card title="Loading spend">
        <Skeleton label="Loading spend" lines={6} />
      </Card>
    );
  }
  if (summary.isError) {
    return (
      <QueryError
        what="spend"
        error={summary.error}
        retrying={summary.isFetching}
        onRetry={() => void summary.refetch()}
      />
    );
  }
  const error = summaryError(summary.data);
  if (error !== undefined) return <ApiErrorAlert error={error} />;
  const { byTeam, jobs } = summary.data;
  return (
    <div className={styles.stack}>
      <SpendBreakdowns summary={summary.data} filters={filters} stale={summary.isPlaceholderData} />
      {/* Zombies, anomalies and savings need spend: without any, the empty state above says it all. */}
      {byTeam.__typename === 'CostBreakdown' &&
        jobs.__typename === 'JobConnection' &&
        jobs.totalCount > 0 &&
        byTeam.groupCount > 0 && (
          <>
            <CostFindings
              query={findings}
              filters={filters}
              anomalyLimit={ANOMALY_LIMIT}
              currency={byTeam.currency}
            />
            <CostSavings filters={filters} listing={savingsListing} />
          </>
        )}
    </div>
  );
}

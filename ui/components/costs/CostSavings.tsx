import { Link } from '@tanstack/react-router';

import { CostSavingsDocument, type CostSavingsQuery } from '../../gql/graphql';
import { retryIntervalFor } from '../../lib/apiErrors';
import type { GlobalFilters } from '../../lib/filters';
import { formatCount, formatMoney, formatPercent } from '../../lib/format';
import { filterWords, jobMatchesFilters } from '../../lib/runs';
import { findingPresentation, formatUsage, shownSavings } from '../../lib/utilization';
import { windowLabel } from '../../lib/windows';
import { useGraphQLQuery } from '../../session/useGraphQLQuery';
import { ApiErrorAlert } from '../ApiErrorAlert';
import { EmptyState } from '../EmptyState';
import { Badge } from '../kit/Badge';
import { Button } from '../kit/Button';
import { Card } from '../kit/Card';
import tables from '../kit/DataTable.module.css';
import { Skeleton } from '../kit/Skeleton';
import { HeadlineFigures } from '../overview/HeadlineFigures';
import { QueryError } from '../QueryError';
import styles from './Costs.module.css';

type Savings = Extract<
  CostSavingsQuery['overProvisionedJobs'],
  { __typename: 'OverProvisionedJobs' }
>;
type SavingJob = Savings['jobs'][number];

const HEADING_ID = 'possible-savings';
const TABLE_TITLE = 'Jobs whose compute could cost less';
/** The jobs shown until the viewer asks for every one: most saving first. */
const TOP_SAVINGS = 10;

/** Whether the list shows every job (`all`, kept in the address) or the top ones. */
export interface SavingsListing {
  all: boolean;
  onChange: (all: boolean) => void;
}

function rule(savings: Savings, filters: GlobalFilters): string {
  const over =
    `Over-provisioned: workers under ${formatUsage(savings.cpuThresholdPercent)} CPU and ` +
    `${formatUsage(savings.memoryThresholdPercent)} memory in more than ` +
    `${formatPercent(savings.minuteShare)} of their run-minutes over at least ` +
    `${formatCount(savings.minRuns)} runs, where a smaller cluster would carry their busiest minute; ` +
    'or on all-purpose clusters that would cost less on job compute.';
  const pace = `Most saving first; a month at list price, at the pace of the ${windowLabel(filters.window).toLowerCase()}.`;
  return `${over} ${pace}`;
}

function SavingsTable({ jobs }: { jobs: readonly SavingJob[] }) {
  return (
    <div className={tables.wrap}>
      <table className={tables.table}>
        <caption className="visually-hidden">{TABLE_TITLE}</caption>
        <thead>
          <tr>
            <th scope="col">Job</th>
            <th scope="col">What to change</th>
            <th scope="col" className={tables.number}>
              Saving a month
            </th>
          </tr>
        </thead>
        <tbody>
          {jobs.map(({ job, findings, estimatedMonthlySavingUsd }) => (
            <tr key={job.jobId}>
              <th scope="row" className={styles.groupName}>
                <Link to="/jobs/$jobId" params={{ jobId: job.jobId }} className={styles.jobLink}>
                  {job.name}
                </Link>
                {job.team !== null && <span className={styles.aside}>{job.team}</span>}
              </th>
              <td className={styles.changes}>
                {findings.map((finding) => {
                  const { title, tone } = findingPresentation(finding.kind);
                  return (
                    <div key={finding.kind} className={styles.change}>
                      <Badge tone={tone}>{title}</Badge>
                      <p>{finding.recommendation.summary}</p>
                    </div>
                  );
                })}
              </td>
              <td className={tables.number}>{formatMoney(estimatedMonthlySavingUsd, 'USD')}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function SavingsDetails({
  savings,
  filters,
  listing,
}: {
  savings: Savings;
  filters: GlobalFilters;
  listing: SavingsListing;
}) {
  const words = filterWords(filters);
  const matches = (job: SavingJob['job']): boolean => jobMatchesFilters(job, filters);
  const shown = shownSavings(savings, words === '' ? null : matches);
  const jobsWord = shown.jobCount === 1 ? 'job' : 'jobs';
  const among =
    words !== '' && shown.cut
      ? ` among the ${formatCount(savings.jobs.length)} with most saving`
      : '';
  const cutNote =
    words === '' && shown.cut
      ? ` The ${formatCount(savings.jobs.length)} with most saving of ${formatCount(savings.jobCount)}.`
      : '';
  return (
    <>
      <HeadlineFigures
        label="Savings figures"
        figures={[
          {
            label: 'Possible saving',
            value: formatMoney(shown.totalUsd, 'USD'),
            note:
              shown.jobCount === 0
                ? 'a month at list price: nothing to save'
                : `a month at list price, over ${formatCount(shown.jobCount)} ${jobsWord}${words === '' ? '' : ` with ${words}`}${among}`,
            wide: true,
          },
          {
            label: 'Jobs',
            value: formatCount(shown.jobCount),
            note: 'whose compute could cost less',
          },
        ]}
      />
      <Card title={TABLE_TITLE} description={`${rule(savings, filters)}${cutNote}`}>
        {shown.jobs.length === 0 ? (
          <EmptyState icon="check" title="Nothing to save on compute">
            {words === ''
              ? 'No job you can see has idle workers to shed or runs on an all-purpose cluster that job compute would make cheaper.'
              : `No job with ${words} has idle workers to shed or runs on an all-purpose cluster that job compute would make cheaper.`}
          </EmptyState>
        ) : (
          <div className={styles.stack}>
            <SavingsTable jobs={listing.all ? shown.jobs : shown.jobs.slice(0, TOP_SAVINGS)} />
            {shown.jobs.length > TOP_SAVINGS && (
              <div>
                <Button
                  onClick={() => {
                    listing.onChange(!listing.all);
                  }}
                >
                  {listing.all
                    ? `Show the ${String(TOP_SAVINGS)} with most saving`
                    : `Show all ${formatCount(shown.jobs.length)} jobs`}
                </Button>
              </div>
            )}
          </div>
        )}
      </Card>
    </>
  );
}

/**
 * What the viewer's jobs could save on compute: over-provisioned clusters and all-purpose clusters
 * that job compute would make cheaper, most saving first, with their total. Its own request: it
 * reads node data, which must not hold up the spend above it.
 */
export function CostSavings({
  filters,
  listing,
}: {
  filters: GlobalFilters;
  listing: SavingsListing;
}) {
  const query = useGraphQLQuery(
    CostSavingsDocument,
    { window: filters.window },
    // No previous window's list while the next loads: reading node data takes seconds when cold,
    // and a list shown faded that long reads as the answer.
    { refetchInterval: (data) => retryIntervalFor(data?.overProvisionedJobs) },
  );
  if (query.isPending) {
    return (
      <Card title="Loading possible savings" busy>
        <Skeleton label="Loading possible savings" lines={4} />
      </Card>
    );
  }
  if (query.isError) {
    return (
      <QueryError
        what="possible savings"
        error={query.error}
        retrying={query.isFetching}
        onRetry={() => void query.refetch()}
      />
    );
  }
  const result = query.data.overProvisionedJobs;
  return (
    <section aria-labelledby={HEADING_ID} className={styles.stack}>
      <h2 id={HEADING_ID} className={styles.heading}>
        Possible savings
      </h2>
      {result.__typename === 'OverProvisionedJobs' ? (
        <SavingsDetails savings={result} filters={filters} listing={listing} />
      ) : (
        <ApiErrorAlert error={result} />
      )}
    </section>
  );
}

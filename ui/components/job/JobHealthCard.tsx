import type { JobPageQuery } from '../../gql/graphql';
import { formatCount, formatDuration, formatPercent, formatRatio } from '../../lib/format';
import { EmptyState } from '../EmptyState';
import { Card } from '../kit/Card';
import { Figures, type Figure } from './Figures';

type Job = Extract<JobPageQuery['job'], { __typename: 'Job' }>;
type Health = NonNullable<Job['health']>;

function figures(health: Health): Figure[] {
  const decided = health.succeeded + health.failed;
  return [
    {
      label: 'Success rate',
      value: formatPercent(health.successRate),
      note: `${formatCount(health.succeeded)} of ${formatCount(decided)} succeeded`,
      emphasis: health.successRate !== null && health.successRate < 0.9 ? 'alarm' : undefined,
    },
    {
      label: 'Finished runs',
      value: formatCount(health.runs),
      note: `${formatCount(health.failed)} failed · ${formatCount(health.canceled)} canceled · ${formatCount(health.notRun)} not run`,
    },
    {
      label: 'Failure streak',
      value: formatCount(health.failureStreak),
      note: 'failed runs in a row, up to the latest',
      emphasis: health.failureStreak >= 2 ? 'alarm' : undefined,
    },
    {
      label: 'Usual duration',
      value: formatDuration(health.durationP50Seconds),
      note: `p50 of successful runs; p90 ${formatDuration(health.durationP90Seconds)}`,
    },
    {
      label: 'Latest duration',
      value: formatDuration(health.latestDurationSeconds),
      note:
        health.durationRegression === null
          ? 'no usual duration to compare with yet'
          : `${formatRatio(health.durationRegression)} its usual duration`,
      emphasis: health.durationRegressed ? 'caution' : undefined,
    },
    {
      label: 'Retries and repairs',
      value: `${formatCount(health.retries)} / ${formatCount(health.repairs)}`,
      note: 'automatic retries / repairs',
    },
  ];
}

/** How the job's finished runs of the window went. */
export function JobHealthCard({ health }: { health: Job['health'] }) {
  return (
    <Card title="Health" description="Its finished runs that started in the window.">
      {health === null || health.runs === 0 ? (
        <EmptyState icon="clock" title="No runs in this window">
          Choose a longer window in the filter bar to see older runs.
        </EmptyState>
      ) : (
        <Figures figures={figures(health)} />
      )}
    </Card>
  );
}

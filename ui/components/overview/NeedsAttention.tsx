import { Link } from '@tanstack/react-router';
import type { ReactNode } from 'react';

import { NeedsAttentionDocument, type NeedsAttentionQuery, type Window } from '../../gql/graphql';
import { describeApiError, retryIntervalFor, type ApiError } from '../../lib/apiErrors';
import { anomaliesByJob, apiErrorsIn, causeText } from '../../lib/costs';
import { formatCount, formatDuration, formatRatio } from '../../lib/format';
import type { DisplayTone } from '../../lib/health';
import { useGraphQLQuery } from '../../session/useGraphQLQuery';
import { EmptyState } from '../EmptyState';
import { Badge } from '../kit/Badge';
import { Card } from '../kit/Card';
import tables from '../kit/DataTable.module.css';
import { Skeleton } from '../kit/Skeleton';
import { TONE_ICONS } from '../kit/statusIcons';
import { Timestamp } from '../running/Timestamp';
import styles from './NeedsAttention.module.css';

type Data = NeedsAttentionQuery;

// The list is a starting point; the costs page holds every anomaly.
const SHOWN_ANOMALY_JOBS = 3;
// As the overview's other live figures.
const REFRESH_MS = 60_000;

interface Item {
  key: string;
  badge: { tone: DisplayTone; text: string };
  job: { jobId: string; name: string } | null;
  detail: ReactNode;
  run: { runId: string; text: string } | null;
}

function failingItems(failing: Data['failing']): Item[] {
  if (failing.__typename !== 'JobConnection') return [];
  return failing.nodes
    .toSorted((a, b) => (b.health?.failureStreak ?? 0) - (a.health?.failureStreak ?? 0))
    .map((job) => {
      const lastRun = job.health?.lastRun ?? null;
      return {
        key: `p1:${job.jobId}`,
        badge: { tone: 'critical', text: 'P1' },
        job,
        detail: (
          <>
            Failed {formatCount(job.health?.failureStreak ?? 0)} times in a row
            {lastRun !== null && (
              <>
                ; latest run <Timestamp value={lastRun.startTime} />
              </>
            )}
          </>
        ),
        run: lastRun === null ? null : { runId: lastRun.runId, text: 'Latest run' },
      };
    });
}

function slaItems(active: Data['activeRuns']): Item[] {
  if (active.__typename !== 'ActiveRuns') return [];
  return active.runs
    .filter((run) => run.slaStatus === 'BREACHED' || run.slaStatus === 'AT_RISK')
    .toSorted((a, b) => (a.slaStatus === 'BREACHED' ? 0 : 1) - (b.slaStatus === 'BREACHED' ? 0 : 1))
    .map((run) => {
      const target = formatDuration(run.job?.durationTargetSeconds);
      const missed = run.slaStatus === 'BREACHED';
      return {
        key: `sla:${run.runId}`,
        badge: missed
          ? { tone: 'critical', text: 'Target missed' }
          : { tone: 'warning', text: 'At risk' },
        job: run.job,
        detail: `Running ${formatDuration(run.elapsedSeconds)}, ${missed ? 'past' : 'close to'} its ${target} SLA target`,
        run: { runId: run.runId, text: 'Run going now' },
      };
    });
}

function anomalyItems(anomalies: Data['costAnomalies']): Item[] {
  if (anomalies.__typename !== 'CostAnomalies') return [];
  return anomaliesByJob(anomalies.anomalies)
    .slice(0, SHOWN_ANOMALY_JOBS)
    .map(({ key, job, costliest, runs }) => ({
      key: `cost:${key}`,
      badge: { tone: 'warning', text: `Cost ${formatRatio(costliest.ratio)}` },
      job,
      detail: `${formatCount(runs)} ${runs === 1 ? 'run' : 'runs'} cost up to ${formatRatio(costliest.ratio)} the usual: ${causeText(costliest)}`,
      run: costliest.run === null ? null : { runId: costliest.run.runId, text: 'Costliest run' },
    }));
}

function errorsOf(data: Data): ApiError[] {
  return apiErrorsIn([data.failing, data.activeRuns, data.costAnomalies]);
}

function AttentionList({ items }: { items: readonly Item[] }) {
  return (
    <ul className={styles.list} aria-label="Needs attention now">
      {items.map((item) => (
        <li key={item.key} className={styles.item}>
          <span className={styles.badge}>
            <Badge tone={item.badge.tone} icon={TONE_ICONS[item.badge.tone]}>
              {item.badge.text}
            </Badge>
          </span>
          <div className={styles.text}>
            {item.job === null ? (
              <span className={styles.name}>A deleted job</span>
            ) : (
              <Link to="/jobs/$jobId" params={{ jobId: item.job.jobId }} className={styles.name}>
                {item.job.name}
              </Link>
            )}
            <p className={tables.muted}>{item.detail}</p>
          </div>
          {item.run !== null && (
            <Link to="/runs/$runId" params={{ runId: item.run.runId }} className={styles.runLink}>
              {item.run.text}
              <span className="visually-hidden"> of {item.job?.name ?? 'the job'}</span>
            </Link>
          )}
        </li>
      ))}
    </ul>
  );
}

/**
 * What to look at first: jobs failing again and again (P1), then runs going past their SLA target,
 * then runs that cost far more than usual, each linked to its job and run.
 */
export function NeedsAttention({ window }: { window: Window }) {
  const query = useGraphQLQuery(
    NeedsAttentionDocument,
    { window },
    {
      refetchInterval: (data) =>
        retryIntervalFor(data === undefined ? undefined : errorsOf(data)[0]) || REFRESH_MS,
      keepPreviousData: true,
    },
  );
  const description = 'Failing jobs first, then runs past their SLA target and costly runs.';
  if (query.isPending) {
    return (
      <Card title="Needs attention now" description={description}>
        <Skeleton label="Loading what needs attention" lines={4} />
      </Card>
    );
  }
  if (query.isError) {
    return (
      <Card title="Needs attention now" description={description}>
        <p className={tables.muted}>Could not check what needs attention: {query.error.message}</p>
      </Card>
    );
  }
  const { failing, activeRuns, costAnomalies } = query.data;
  const items = [...failingItems(failing), ...slaItems(activeRuns), ...anomalyItems(costAnomalies)];
  const moreFailing =
    failing.__typename === 'JobConnection' ? failing.totalCount - failing.nodes.length : 0;
  const errors = errorsOf(query.data);
  return (
    <Card title="Needs attention now" description={description}>
      {items.length === 0 && errors.length === 0 ? (
        <EmptyState icon="check" title="Nothing needs attention now">
          No job you can see is failing again and again, no run is past its SLA target, and no run
          cost far more than usual.
        </EmptyState>
      ) : (
        <div className={styles.stack}>
          {items.length > 0 && <AttentionList items={items} />}
          {moreFailing > 0 && (
            <p className={tables.muted}>
              {formatCount(moreFailing)} more {moreFailing === 1 ? 'job is' : 'jobs are'} in a
              failing streak.
            </p>
          )}
          {errors.map((error) => (
            // Each part is asked for on its own; one that failed leaves the others standing.
            <p key={error.__typename + error.code} className={tables.muted}>
              Not all could be checked: {describeApiError(error).title}.
            </p>
          ))}
          <p className={styles.more}>
            <Link to="/costs" search={true}>
              All cost anomalies and zombie jobs
            </Link>
          </p>
        </div>
      )}
    </Card>
  );
}

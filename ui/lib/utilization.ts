import type { UnmeasurableReason, UtilizationFindingKind, Window } from '../gql/graphql';
import { formatCount, formatMoney } from './format';
import type { DisplayTone } from './health';

/** A percentage over run-minutes (0 to 100), as `UsageSpread` sends it. */
export interface UsageSpread {
  p50Percent: number;
  p90Percent: number;
  peakPercent: number;
}

/**
 * A CPU or memory percentage (0 to 100) in whole percents: "23%"; "<1%" for a trace of load, so
 * that it never reads as idle; a dash without one.
 */
export function formatUsage(percent: number | null | undefined): string {
  if (percent === null || percent === undefined || !Number.isFinite(percent)) return '—';
  const whole = Math.round(percent);
  if (whole === 0 && percent > 0) return '<1%';
  return `${String(whole)}%`;
}

const clampShare = (percent: number): number =>
  Number.isFinite(percent) ? Math.min(1, Math.max(0, percent / 100)) : 0;

/** Where a spread's bar ends, as shares (0 to 1) of a full scale of 100%. */
export interface UsageBar {
  p50: number;
  p90: number;
  peak: number;
}

/** A spread drawn on a scale of 0 to 100%: the median solid, up to p90 lighter, the peak a tick. */
export function usageBar(spread: UsageSpread): UsageBar {
  const p50 = clampShare(spread.p50Percent);
  const p90 = Math.max(p50, clampShare(spread.p90Percent));
  return { p50, p90, peak: Math.max(p90, clampShare(spread.peakPercent)) };
}

/**
 * A bar in words, for screen readers and as its tooltip: "Worker CPU: p50 23%, p90 32%, peak 47%;
 * under 40% counts as idle".
 */
export function usageBarText(
  label: string,
  spread: UsageSpread,
  idleBelow?: number | null,
): string {
  const figures =
    `${label}: p50 ${formatUsage(spread.p50Percent)}, p90 ${formatUsage(spread.p90Percent)}, ` +
    `peak ${formatUsage(spread.peakPercent)}`;
  return idleBelow === null || idleBelow === undefined
    ? figures
    : `${figures}; under ${formatUsage(idleBelow)} counts as idle`;
}

/** A job cluster's shape as `JobUtilization.cluster` sends it. */
export interface ClusterShape {
  driverNodeType: string | null;
  workerNodeType: string | null;
  workers: number | null;
  minWorkers: number | null;
  maxWorkers: number | null;
  autoscaling: boolean;
}

const workersWord = (count: number): string => (count === 1 ? 'worker' : 'workers');

/**
 * A cluster's shape as a figure: its workers ("2 workers", "3–9 workers", "Single node") and, as
 * its note, the node types ("c5d.4xlarge workers and driver", "autoscaling; …").
 */
export function clusterText(cluster: ClusterShape | null): { value: string; note: string } {
  if (cluster === null) return { value: '—', note: 'no job cluster shape recorded' };
  const { driverNodeType: driver, workerNodeType: worker, minWorkers, maxWorkers } = cluster;
  let value: string;
  if (cluster.autoscaling && minWorkers !== null && maxWorkers !== null) {
    value = `${String(minWorkers)}–${String(maxWorkers)} workers`;
  } else if (cluster.workers === 0) {
    value = 'Single node';
  } else if (cluster.workers !== null) {
    value = `${formatCount(cluster.workers)} ${workersWord(cluster.workers)}`;
  } else {
    value = '—';
  }
  let nodes: string;
  if (cluster.workers === 0 && !cluster.autoscaling) {
    nodes = driver === null ? 'node type not recorded' : `${driver} driver`;
  } else if (worker !== null && worker === driver) {
    nodes = `${worker} workers and driver`;
  } else {
    nodes = [
      worker === null ? null : `${worker} workers`,
      driver === null ? null : `${driver} driver`,
    ]
      .filter((part) => part !== null)
      .join(', ');
    if (nodes === '') nodes = 'node types not recorded';
  }
  return { value, note: cluster.autoscaling ? `autoscaling; ${nodes}` : nodes };
}

const FINDING_TITLES: Record<UtilizationFindingKind, string> = {
  OVER_PROVISIONED: 'Over-provisioned',
  CHEAPER_ON_JOB_COMPUTE: 'Cheaper on job compute',
  AUTOSCALING_NEVER_EXERCISED: 'Autoscaling never used',
  AT_AUTOSCALE_CEILING: 'At its autoscaling ceiling',
};

/** What a finding says, in a few words, and its colour: amber for money to save, blue else. */
export function findingPresentation(kind: UtilizationFindingKind): {
  title: string;
  tone: DisplayTone;
} {
  const title = (FINDING_TITLES as Partial<Record<string, string>>)[kind] ?? kind;
  const saves = kind === 'OVER_PROVISIONED' || kind === 'CHEAPER_ON_JOB_COMPUTE';
  return { title, tone: saves ? 'warning' : 'info' };
}

/** A monthly saving: "$1,522 a month"; a change that saves nothing by itself says so. */
export function savingText(usd: number | null | undefined): string {
  if (usd === null || usd === undefined || !Number.isFinite(usd)) return 'no saving by itself';
  return `${formatMoney(usd, 'USD')} a month`;
}

const UNMEASURABLE_TITLES: Record<UnmeasurableReason, string> = {
  SERVERLESS: 'Not measurable: serverless compute',
  SHARED_CLUSTER: 'Not measurable: a shared all-purpose cluster',
  NO_DATA: 'No CPU or memory data yet',
};

export function unmeasurableTitle(reason: UnmeasurableReason): string {
  return (UNMEASURABLE_TITLES as Partial<Record<string, string>>)[reason] ?? 'Not measurable';
}

/** Which of the window's runs were not measured, and on what: "42 of 42 runs ran on serverless compute." */
export function unmeasuredRunsText({
  runs,
  serverlessRuns,
  sharedClusterRuns,
}: {
  runs: number;
  serverlessRuns: number;
  sharedClusterRuns: number;
}): string {
  if (runs === 0) return 'It had no runs in the window.';
  const of = (count: number): string =>
    `${formatCount(count)} of its ${formatCount(runs)} ${runs === 1 ? 'run' : 'runs'}`;
  const parts = [
    serverlessRuns > 0 ? `${of(serverlessRuns)} ran on serverless compute` : null,
    sharedClusterRuns > 0 ? `${of(sharedClusterRuns)} used an all-purpose cluster` : null,
  ].filter((part) => part !== null);
  if (parts.length === 0) {
    return `${formatCount(runs)} ${runs === 1 ? 'run' : 'runs'} in the window, none with node data yet.`;
  }
  return `In the window, ${parts.join(' and ')}.`;
}

/** Node data is kept about this long; longer windows measure its last 90 days. */
const NODE_RETENTION_DAYS = 90;

const WINDOW_DAYS: Record<Window, number> = {
  LAST_24_HOURS: 1,
  LAST_7_DAYS: 7,
  LAST_30_DAYS: 30,
  LAST_90_DAYS: 90,
  LAST_365_DAYS: 365,
};

/** For a window longer than node data is kept, what the figures cover instead; null otherwise. */
export function retentionNote(window: Window): string | null {
  const days = (WINDOW_DAYS as Partial<Record<string, number>>)[window] ?? 0;
  return days > NODE_RETENTION_DAYS
    ? `CPU and memory are kept about ${String(NODE_RETENTION_DAYS)} days: the figures cover the last ${String(NODE_RETENTION_DAYS)}.`
    : null;
}

/** A job on the savings list: enough to filter and add up. */
export interface SavingJob {
  job: { name: string; team: string | null };
  estimatedMonthlySavingUsd: number;
}

export interface ShownSavings<J> {
  jobs: J[];
  /** The jobs the total covers. */
  jobCount: number;
  totalUsd: number;
  /** The list came cut at the page the page asked for: a filter saw only that many. */
  cut: boolean;
}

/**
 * The savings shown and their total. Unfiltered, the API's own count and total over every such
 * job (the list may show fewer); filtered, the jobs of the list that match, added up.
 */
export function shownSavings<J extends SavingJob>(
  list: { jobs: readonly J[]; jobCount: number; estimatedMonthlySavingUsd: number },
  matches: ((job: J['job']) => boolean) | null,
): ShownSavings<J> {
  const cut = list.jobCount > list.jobs.length;
  if (matches === null) {
    return {
      jobs: [...list.jobs],
      jobCount: list.jobCount,
      totalUsd: list.estimatedMonthlySavingUsd,
      cut,
    };
  }
  const jobs = list.jobs.filter((entry) => matches(entry.job));
  return {
    jobs,
    jobCount: jobs.length,
    totalUsd: jobs.reduce((sum, entry) => sum + entry.estimatedMonthlySavingUsd, 0),
    cut,
  };
}

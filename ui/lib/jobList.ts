import type { JobOrder, JobOrderField, Priority, RunState } from '../gql/graphql';
import { formatDuration, formatUtc } from './format';
import type { DisplayTone } from './health';
import { runStateLabel, runStateTone } from './runs';

/**
 * The API's name pattern for what a person typed. The API matches whole names, so text without
 * wildcards matches anywhere in the name ("sales" → "*sales*"); with `*` or `?` it is taken as
 * written. Blank means no filter.
 */
export function namePatternFor(search: string): string | null {
  const text = search.trim();
  if (text === '') return null;
  return /[*?]/.test(text) ? text : `*${text}*`;
}

/** Search text from an address's search parameters (the router reads `?q=2024` as a number). */
export function parseSearchText(value: unknown): string | undefined {
  const text = typeof value === 'number' ? String(value) : value;
  return typeof text === 'string' && text.trim() !== '' ? text.trim() : undefined;
}

export type SortDirection = 'asc' | 'desc';

/**
 * How each column of the jobs table sorts: by the API's `orderBy` where it has the field, so the
 * order holds across every job; otherwise only in the browser, over the rows loaded so far.
 * `first` is the direction a click starts with: the worst (or most recent) first.
 */
const SORTS = {
  name: { orderBy: 'NAME', first: 'asc' },
  priority: { orderBy: null, first: 'asc' },
  successRate: { orderBy: 'SUCCESS_RATE', first: 'asc' },
  failureStreak: { orderBy: null, first: 'desc' },
  p50: { orderBy: null, first: 'desc' },
  p90: { orderBy: null, first: 'desc' },
  regression: { orderBy: 'DURATION_REGRESSION', first: 'desc' },
  spend: { orderBy: null, first: 'desc' },
  slaTarget: { orderBy: null, first: 'desc' },
  breachRate: { orderBy: null, first: 'desc' },
  recentRuns: { orderBy: 'LAST_RUN', first: 'desc' },
} as const satisfies Record<string, { orderBy: JobOrderField | null; first: SortDirection }>;

export type JobSortColumn = keyof typeof SORTS;

export interface JobSort {
  column: JobSortColumn;
  direction: SortDirection;
}

export const DEFAULT_JOB_SORT: JobSort = { column: 'name', direction: 'asc' };

function isSortColumn(value: unknown): value is JobSortColumn {
  return typeof value === 'string' && Object.hasOwn(SORTS, value);
}

/** A sort from an address's `sort` and `dir`; a column without a valid direction starts with its first. */
export function parseJobSort(column: unknown, direction: unknown): JobSort | undefined {
  if (!isSortColumn(column)) return undefined;
  return {
    column,
    direction: direction === 'asc' || direction === 'desc' ? direction : SORTS[column].first,
  };
}

/** True when the API orders by the column, so the order covers every job, not just those loaded. */
export function sortsOnServer(column: JobSortColumn): boolean {
  return SORTS[column].orderBy !== null;
}

/** Clicking a column: the same one turns its direction round, another starts with its first. */
export function nextJobSort(current: JobSort, column: JobSortColumn): JobSort {
  if (current.column === column) {
    return { column, direction: current.direction === 'asc' ? 'desc' : 'asc' };
  }
  return { column, direction: SORTS[column].first };
}

/**
 * The order to ask the API for. A column only the browser can sort loads by name, so the rows
 * arrive in an order a person can follow while the browser sorts what has arrived.
 */
export function apiOrderFor(sort: JobSort): JobOrder {
  const field = SORTS[sort.column].orderBy;
  if (field === null) return { field: 'NAME', direction: 'ASC' };
  return { field, direction: sort.direction === 'asc' ? 'ASC' : 'DESC' };
}

const PRIORITY_RANKS: Record<Priority, number> = { P1: 1, P2: 2, P3: 3 };

/** A priority as a number that sorts the most urgent first; healthy jobs (null) after P3. */
export function priorityRank(priority: Priority | null): number {
  return priority === null ? 4 : PRIORITY_RANKS[priority];
}

/** The priority filter of the jobs page; "any" is no filter. */
export const PRIORITY_FILTERS = [
  { value: 'any', label: 'Any' },
  { value: 'P1', label: 'P1' },
  { value: 'P2', label: 'P2' },
  { value: 'P3', label: 'P3' },
] as const satisfies readonly { value: Priority | 'any'; label: string }[];

export function parsePriority(value: unknown): Priority | undefined {
  return value === 'P1' || value === 'P2' || value === 'P3' ? value : undefined;
}

/** A run as the sparkline draws it (the API sends a job's runs newest first). */
export interface SparkRun {
  runId: string;
  state: RunState;
  startTime: string;
  durationSeconds: number | null;
}

export interface SparkBar {
  runId: string;
  x: number;
  y: number;
  width: number;
  height: number;
  tone: DisplayTone;
  /** Hover text: state, duration and start in UTC. */
  title: string;
}

const SPARKLINE_RUNS = 20;
/** Runs still going (no duration yet) and instant ones still show as a stub. */
const MIN_BAR_HEIGHT = 2;
const BAR_GAP = 1;

/**
 * Bars for a job's latest runs, oldest on the left and the newest at the right edge, so that rows
 * line up by recency; heights are durations relative to the longest of them.
 */
export function sparklineBars(
  newestFirst: readonly SparkRun[],
  width: number,
  height: number,
): SparkBar[] {
  const runs = newestFirst.slice(0, SPARKLINE_RUNS).reverse();
  const slot = width / SPARKLINE_RUNS;
  const longest = Math.max(0, ...runs.map((run) => run.durationSeconds ?? 0));
  return runs.map((run, index) => {
    const share = longest > 0 && run.durationSeconds !== null ? run.durationSeconds / longest : 0;
    const barHeight = Math.max(MIN_BAR_HEIGHT, share * height);
    return {
      runId: run.runId,
      x: width - (runs.length - index) * slot,
      y: height - barHeight,
      width: slot - BAR_GAP,
      height: barHeight,
      tone: runStateTone(run.state),
      title: `${runStateLabel(run.state)}, ${run.durationSeconds === null ? 'no duration yet' : formatDuration(run.durationSeconds)}, started ${formatUtc(new Date(run.startTime))}`,
    };
  });
}

/** The sparkline in words: how the latest runs ended, the most frequent outcome first. */
export function sparklineSummary(newestFirst: readonly SparkRun[]): string {
  const runs = newestFirst.slice(0, SPARKLINE_RUNS);
  const latest = runs[0];
  if (latest === undefined) return 'No runs';
  const counts = new Map<string, number>();
  for (const run of runs) {
    const label = runStateLabel(run.state).toLowerCase();
    counts.set(label, (counts.get(label) ?? 0) + 1);
  }
  const outcomes = [...counts]
    .sort(([, a], [, b]) => b - a)
    .map(([label, count]) => `${String(count)} ${label}`)
    .join(', ');
  const subject = runs.length === 1 ? 'Latest run' : `Latest ${String(runs.length)} runs`;
  return `${subject}: ${outcomes}; the newest ${runStateLabel(latest.state).toLowerCase()}`;
}

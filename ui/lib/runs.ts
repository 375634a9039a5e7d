import type { RunState, SlaStatus } from '../gql/graphql';
import type { GlobalFilters } from './filters';
import { formatDuration, formatRatio } from './format';
import type { DisplayTone } from './health';
import { namePatternFor } from './jobList';

const STATES: Record<RunState, { label: string; tone: DisplayTone }> = {
  QUEUED: { label: 'Queued', tone: 'info' },
  PENDING: { label: 'Pending', tone: 'info' },
  RUNNING: { label: 'Running', tone: 'info' },
  TERMINATING: { label: 'Terminating', tone: 'info' },
  BLOCKED: { label: 'Blocked', tone: 'warning' },
  WAITING: { label: 'Waiting', tone: 'info' },
  SUCCEEDED: { label: 'Succeeded', tone: 'ok' },
  SUCCEEDED_WITH_FAILURES: { label: 'Succeeded with failures', tone: 'warning' },
  FAILED: { label: 'Failed', tone: 'critical' },
  TIMED_OUT: { label: 'Timed out', tone: 'critical' },
  INTERNAL_ERROR: { label: 'Internal error', tone: 'critical' },
  CANCELED: { label: 'Canceled', tone: 'neutral' },
  SKIPPED: { label: 'Skipped', tone: 'neutral' },
  EXCLUDED: { label: 'Excluded', tone: 'neutral' },
  UPSTREAM_FAILED: { label: 'Upstream failed', tone: 'neutral' },
  UPSTREAM_CANCELED: { label: 'Upstream canceled', tone: 'neutral' },
  DISABLED: { label: 'Disabled', tone: 'neutral' },
  MAX_CONCURRENT_RUNS_REACHED: { label: 'Too many concurrent runs', tone: 'neutral' },
  UNKNOWN: { label: 'Unknown', tone: 'neutral' },
};

// A state added to the schema later must still render.
function stateOf(state: string): { label: string; tone: DisplayTone } {
  return (
    (STATES as Partial<Record<string, { label: string; tone: DisplayTone }>>)[state] ?? {
      label: 'Unknown',
      tone: 'neutral',
    }
  );
}

export function runStateLabel(state: RunState): string {
  return stateOf(state).label;
}

export function runStateTone(state: RunState): DisplayTone {
  return stateOf(state).tone;
}

/** Up to this many times the usual duration, "1.0× longer" would read oddly. */
const ABOUT_USUAL_RATIO = 1.05;
/** From this many times the usual duration on, a run still going deserves a look. */
const SLOW_RATIO = 1.5;
/** … and from this many on, it is probably stuck. */
const STUCK_RATIO = 3;

export interface UsualComparison {
  text: string;
  tone: DisplayTone;
}

/** How long an active run has taken so far against the job's usual duration. */
export function comparedWithUsual(
  elapsedSeconds: number | null,
  expectedSeconds: number | null,
): UsualComparison {
  if (elapsedSeconds === null) return { text: 'Not started yet', tone: 'neutral' };
  if (expectedSeconds === null || expectedSeconds <= 0) {
    return { text: 'No usual duration yet', tone: 'neutral' };
  }
  const ratio = elapsedSeconds / expectedSeconds;
  if (ratio < 1) {
    return {
      text: `${String(Math.floor(ratio * 100))}% of the usual ${formatDuration(expectedSeconds)}`,
      tone: 'info',
    };
  }
  if (ratio < ABOUT_USUAL_RATIO) return { text: 'About its usual time', tone: 'info' };
  return {
    text: `${formatRatio(ratio)} longer than usual`,
    tone: ratio >= STUCK_RATIO ? 'critical' : ratio >= SLOW_RATIO ? 'warning' : 'info',
  };
}

/** A termination code ("RUN_EXECUTION_ERROR") as words ("Run execution error"); null: none recorded. */
export function terminationCodeLabel(code: string | null): string {
  if (code === null || code.trim() === '') return 'No code recorded';
  const words = code.trim().toLowerCase().replace(/_+/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

// Active states in which the run's own work has not begun: its elapsed time is time spent waiting.
const WAITING_STATES: ReadonlySet<RunState> = new Set<RunState>(['QUEUED', 'BLOCKED', 'WAITING']);

export type ActiveRunProgress =
  | { kind: 'waiting'; text: string }
  | {
      kind: 'running';
      text: string;
      tone: DisplayTone;
      /** The bar: elapsed time as a share of the track, 0 to 1. */
      fill: number;
      /** Where the usual duration sits on the track, 0 to 1; null without one. */
      usualAt: number | null;
    };

/**
 * How far along an active run is. A run that waits (queued, blocked on another run, waiting for a
 * retry) has no run time yet, so it is only told how long it has waited; a running one is drawn
 * against its job's usual duration, the track stretching when it runs past it.
 */
export function activeRunProgress(
  state: RunState,
  elapsedSeconds: number | null,
  expectedSeconds: number | null,
): ActiveRunProgress {
  if (WAITING_STATES.has(state)) {
    return { kind: 'waiting', text: `waiting ${formatDuration(elapsedSeconds)}` };
  }
  const usual = comparedWithUsual(elapsedSeconds, expectedSeconds);
  if (elapsedSeconds === null || expectedSeconds === null || expectedSeconds <= 0) {
    return { kind: 'running', text: usual.text, tone: usual.tone, fill: 0, usualAt: null };
  }
  const track = Math.max(elapsedSeconds, expectedSeconds);
  return {
    kind: 'running',
    text: usual.text,
    tone: usual.tone,
    fill: elapsedSeconds / track,
    usualAt: expectedSeconds / track,
  };
}

const SLA_STATUSES: Record<SlaStatus, { label: string; tone: DisplayTone }> = {
  MET: { label: 'Within target', tone: 'ok' },
  AT_RISK: { label: 'At risk', tone: 'warning' },
  BREACHED: { label: 'Target missed', tone: 'critical' },
  NO_TARGET: { label: 'No target', tone: 'neutral' },
};

/** A run against its job's duration target; null: an ended run whose duration is not recorded yet. */
export function slaStatusPresentation(status: SlaStatus | null): {
  label: string;
  tone: DisplayTone;
} {
  if (status === null) return { label: 'Not known yet', tone: 'neutral' };
  return (
    (SLA_STATUSES as Partial<Record<string, { label: string; tone: DisplayTone }>>)[status] ?? {
      label: 'Unknown',
      tone: 'neutral',
    }
  );
}

/**
 * Whether a job passes the filter bar's team and name, as the API's `JobFilter` decides: the team
 * ignoring case, the name as a whole with `*` and `?` (plain text is found anywhere). For lists
 * whose API field takes no job filter.
 */
export function jobMatchesFilters(
  job: { name: string; team: string | null } | null,
  { team, q }: Pick<GlobalFilters, 'team' | 'q'>,
): boolean {
  const pattern = namePatternFor(q);
  if (team === null && pattern === null) return true;
  if (job === null) return false;
  if (team !== null && job.team?.toLowerCase() !== team.toLowerCase()) return false;
  if (pattern === null) return true;
  const regex = pattern
    .toLowerCase()
    .split('')
    .map((char) =>
      char === '*' ? '.*' : char === '?' ? '.' : char.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'),
    )
    .join('');
  return new RegExp(`^${regex}$`, 's').test(job.name.toLowerCase());
}

/**
 * Active runs newest first, ties by run id: the order the API sends, made total, so that rows keep
 * their places from one refresh to the next.
 */
export function newestFirst<R extends { runId: string; startTime: string }>(
  runs: readonly R[],
): R[] {
  return runs.toSorted(
    (a, b) =>
      Date.parse(b.startTime) - Date.parse(a.startTime) ||
      b.runId.localeCompare(a.runId, 'en', { numeric: true }),
  );
}

/** The filter bar's team and name in words, for notes that say what a filter hides. */
export function filterWords({ team, q }: Pick<GlobalFilters, 'team' | 'q'>): string {
  return [team === null ? null : `team “${team}”`, q === '' ? null : `name “${q}”`]
    .filter((part) => part !== null)
    .join(' and ');
}

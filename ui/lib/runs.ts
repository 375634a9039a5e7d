import type { RunState } from '../gql/graphql';
import { formatDuration, formatRatio } from './format';
import type { DisplayTone } from './health';

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

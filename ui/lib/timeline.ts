import type { RunState, Trigger } from '../gql/graphql';
import { formatCount } from './format';
import type { DisplayTone } from './health';
import { taskDepths, timeTicks } from './jobPage';
import { runStateTone } from './runs';

/** A task of one run, as the run page reads it. */
export interface TimelineTask {
  taskKey: string;
  state: RunState;
  startTime: string | null;
  endTime: string | null;
  dependsOn: readonly string[];
}

export interface GanttBar {
  taskKey: string;
  state: RunState;
  tone: DisplayTone;
  /** Its depth in the run's DAG (0: waits for no task). */
  depth: number;
  startMs: number | null;
  endMs: number | null;
  /** Where the bar starts and how long it is, as shares of the timeline's span, 0 to 1. */
  offset: number;
  width: number;
  /** Still going: the bar ends now. */
  running: boolean;
}

export interface Gantt {
  startMs: number;
  endMs: number;
  bars: GanttBar[];
  ticks: number[];
}

function instant(value: string | null): number | null {
  if (value === null) return null;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? null : ms;
}

/**
 * The run's tasks as bars along one time axis, from the run's start to its end (now, while it goes):
 * one bar per task from its start to its end, ordered by depth in the DAG, then by start, then by
 * key. A task still waiting has no bar; one still going runs to `nowMs`; an end recorded before its
 * start (clocks disagree) makes a bar of no length rather than a negative one.
 */
export function ganttOf(
  tasks: readonly TimelineTask[],
  run: { startTime: string; endTime: string | null },
  nowMs: number,
): Gantt {
  const depths = taskDepths(tasks);
  const runStart = instant(run.startTime) ?? nowMs;
  const runEnd = instant(run.endTime);
  const spans = tasks.map((task) => {
    const start = instant(task.startTime);
    const end = instant(task.endTime);
    const running = start !== null && end === null && runEnd === null;
    const finish = start === null ? null : Math.max(start, end ?? (running ? nowMs : start));
    return { task, start, finish, running };
  });
  const startMs = Math.min(runStart, ...spans.flatMap((s) => (s.start === null ? [] : [s.start])));
  const endMs = Math.max(
    runEnd ?? nowMs,
    ...spans.flatMap((s) => (s.finish === null ? [] : [s.finish])),
    startMs + 1,
  );
  const span = endMs - startMs;
  const bars = spans.map(({ task, start, finish, running }) => ({
    taskKey: task.taskKey,
    state: task.state,
    tone: runStateTone(task.state),
    depth: depths.get(task.taskKey) ?? 0,
    startMs: start,
    endMs: finish,
    offset: start === null ? 0 : (start - startMs) / span,
    width: start === null || finish === null ? 0 : (finish - start) / span,
    running,
  }));
  bars.sort(
    (a, b) =>
      a.depth - b.depth ||
      (a.startMs ?? Infinity) - (b.startMs ?? Infinity) ||
      a.taskKey.localeCompare(b.taskKey),
  );
  return { startMs, endMs, bars, ticks: timeTicks(startMs, endMs).ticks };
}

// ---------------------------------------------------------------------------------------------
// The rest of the run page, in words

const RUN_TRIGGERS: Record<Trigger, string> = {
  PERIODIC: 'Its schedule',
  ONE_TIME: 'Started by hand or through the API',
  RETRY: 'An automatic retry',
  RUN_JOB_TASK: 'A task of another job',
  FILE_ARRIVAL: 'A file arriving',
  CONTINUOUS: 'Continuous mode',
  CONTINUOUS_RESTART: 'A restart in continuous mode',
  TABLE_UPDATE: 'A table update',
  JOB_COMPLETION: 'Another job completing',
  MODEL: 'A model update',
  UNKNOWN: 'Not recorded',
};

/** What started a run, in words. */
export function runTriggerText(trigger: Trigger): string {
  return (RUN_TRIGGERS as Partial<Record<string, string>>)[trigger] ?? 'Not recorded';
}

/** Which attempt a run is; null when the Jobs API no longer keeps the run. */
export function attemptText(attempt: number | null): string {
  if (attempt === null) return 'Not known: Databricks no longer keeps this run’s details';
  return attempt === 0 ? 'First attempt' : `Retry ${formatCount(attempt)}`;
}

export function repairText(repairs: number): string {
  if (repairs === 0) return 'Not repaired';
  return repairs === 1 ? 'Repaired once' : `Repaired ${formatCount(repairs)} times`;
}

/** What a run's cost covers, in words: whether all its usage is in it, and whether it is final. */
export function costNotes(cost: { attributable: boolean; complete: boolean }): string[] {
  return [
    cost.attributable
      ? 'All of its usage is billed to the run, so all of it is here.'
      : 'Some of its tasks ran on an all-purpose cluster: that usage is billed to the cluster, shared with other work, so it is not in these figures.',
    cost.complete
      ? 'Final: the run ended more than 24 hours ago, so its billing has arrived.'
      : 'Not final yet: the run is going or ended less than 24 hours ago, and billing usually lands within hours.',
  ];
}

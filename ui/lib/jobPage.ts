import type { RunState, Trigger, Window } from '../gql/graphql';
import { describeApiError, type ApiError } from './apiErrors';
import { formatCount } from './format';
import type { DisplayTone } from './health';
import { runStateTone } from './runs';

const MS_PER_SECOND = 1000;
const MS_PER_MINUTE = 60 * MS_PER_SECOND;
const MS_PER_HOUR = 60 * MS_PER_MINUTE;
const MS_PER_DAY = 24 * MS_PER_HOUR;

const WINDOW_MS: Record<Window, number> = {
  LAST_24_HOURS: MS_PER_DAY,
  LAST_7_DAYS: 7 * MS_PER_DAY,
  LAST_30_DAYS: 30 * MS_PER_DAY,
  LAST_90_DAYS: 90 * MS_PER_DAY,
  LAST_365_DAYS: 365 * MS_PER_DAY,
};

/** Where a rolling window that ends at `nowMs` begins. */
export function windowStartMs(window: Window, nowMs: number): number {
  return nowMs - WINDOW_MS[window];
}

// ---------------------------------------------------------------------------------------------
// Axes

// Steps a person counts in: round minutes, hours of the clock, days, weeks, months.
const TIME_STEPS_MS = [
  ...[1, 2, 5, 10, 15, 30].map((m) => m * MS_PER_MINUTE),
  ...[1, 2, 3, 6, 12].map((h) => h * MS_PER_HOUR),
  ...[1, 2, 7, 14, 30, 60, 90].map((d) => d * MS_PER_DAY),
];

export interface TimeTicks {
  ticks: number[];
  stepMs: number;
}

/**
 * Ticks for a time axis from `startMs` to `endMs`: the smallest round step that gives at most
 * `maxTicks`, on the viewer's clock (hours from local midnight, days at local midnight).
 */
export function timeTicks(startMs: number, endMs: number, maxTicks = 6): TimeTicks {
  const span = Math.max(0, endMs - startMs);
  const stepMs =
    TIME_STEPS_MS.find((step) => span / step <= maxTicks) ?? TIME_STEPS_MS.at(-1) ?? MS_PER_DAY;
  const ticks: number[] = [];
  if (stepMs < MS_PER_DAY) {
    // getTimezoneOffset is minutes behind UTC: shift to local time, round, shift back.
    const offset = new Date(startMs).getTimezoneOffset() * MS_PER_MINUTE;
    for (
      let t = Math.ceil((startMs - offset) / stepMs) * stepMs + offset;
      t <= endMs;
      t += stepMs
    ) {
      ticks.push(t);
    }
  } else {
    const day = new Date(startMs);
    day.setHours(0, 0, 0, 0);
    if (day.getTime() < startMs) day.setDate(day.getDate() + 1);
    const days = Math.round(stepMs / MS_PER_DAY);
    for (; day.getTime() <= endMs; day.setDate(day.getDate() + days)) ticks.push(day.getTime());
  }
  return { ticks, stepMs };
}

const DURATION_STEPS_SECONDS = [
  1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10_800, 21_600, 43_200, 86_400,
];

/** Ticks for a duration axis from 0 to a round value at or above `maxSeconds`. */
export function durationTicks(maxSeconds: number, maxTicks = 5): number[] {
  const top = Number.isFinite(maxSeconds) && maxSeconds > 0 ? maxSeconds : 60;
  const step =
    DURATION_STEPS_SECONDS.find((s) => Math.ceil(top / s) <= maxTicks - 1) ??
    Math.ceil(top / (maxTicks - 1) / 86_400) * 86_400;
  return Array.from({ length: Math.ceil(top / step) + 1 }, (_, i) => i * step);
}

// ---------------------------------------------------------------------------------------------
// The task DAG

export interface DagTask {
  taskKey: string;
  dependsOn: readonly string[];
}

/**
 * Each task's depth in its DAG: 0 for a task that waits for none, else one more than the deepest
 * task it waits for. Dependencies on tasks not in the list are ignored, and a cycle (which the Jobs
 * API refuses, but a half-read definition might show) is cut where it closes.
 */
export function taskDepths(tasks: readonly DagTask[]): Map<string, number> {
  const byKey = new Map(tasks.map((task) => [task.taskKey, task]));
  const depths = new Map<string, number>();
  const visiting = new Set<string>();
  const depthOf = (key: string): number => {
    const known = depths.get(key);
    if (known !== undefined) return known;
    if (visiting.has(key)) return -1;
    visiting.add(key);
    const parents = (byKey.get(key)?.dependsOn ?? []).filter((parent) => byKey.has(parent));
    const depth = Math.max(-1, ...parents.map(depthOf)) + 1;
    visiting.delete(key);
    depths.set(key, depth);
    return depth;
  };
  for (const task of tasks) depthOf(task.taskKey);
  return depths;
}

export interface DagNode {
  taskKey: string;
  /** Column: the task's depth. */
  layer: number;
  /** Place within its column, from 0. */
  row: number;
}

export interface DagLayout {
  nodes: DagNode[];
  edges: { from: string; to: string }[];
  layers: number;
  /** Nodes in the fullest column. */
  rows: number;
}

/**
 * A layered drawing of the DAG: one column per depth; within a column, tasks sit near the tasks they
 * wait for (the mean row of their parents), then by key, which keeps most edges short and flat.
 */
export function layoutDag(tasks: readonly DagTask[]): DagLayout {
  const depths = taskDepths(tasks);
  const keys = new Set(depths.keys());
  const columns: DagTask[][] = [];
  for (const task of tasks) {
    const depth = depths.get(task.taskKey) ?? 0;
    (columns[depth] ??= []).push(task);
  }
  const rowOf = new Map<string, number>();
  const nodes: DagNode[] = [];
  columns.forEach((column, layer) => {
    const weight = (task: DagTask): number => {
      const rows = task.dependsOn.flatMap((parent) => rowOf.get(parent) ?? []);
      return rows.length === 0 ? 0 : rows.reduce((sum, r) => sum + r, 0) / rows.length;
    };
    const ordered = column.toSorted(
      (a, b) => weight(a) - weight(b) || a.taskKey.localeCompare(b.taskKey),
    );
    ordered.forEach((task, row) => {
      rowOf.set(task.taskKey, row);
      nodes.push({ taskKey: task.taskKey, layer, row });
    });
  });
  const edges = tasks.flatMap((task) =>
    task.dependsOn.filter((parent) => keys.has(parent)).map((from) => ({ from, to: task.taskKey })),
  );
  return {
    nodes,
    edges,
    layers: columns.length,
    rows: Math.max(0, ...columns.map((column) => column.length)),
  };
}

/** Task keys in the order of the DAG: by depth, then by key. */
export function dagOrder(tasks: readonly DagTask[]): string[] {
  const depths = taskDepths(tasks);
  return [...depths.keys()].sort(
    (a, b) => (depths.get(a) ?? 0) - (depths.get(b) ?? 0) || a.localeCompare(b),
  );
}

// ---------------------------------------------------------------------------------------------
// Run history: the chart and the matrix

export interface HistoryRun {
  runId: string;
  state: RunState;
  startTime: string;
  durationSeconds: number | null;
  tasks: readonly { taskKey: string; state: RunState }[];
}

export interface ChartPoint {
  runId: string;
  /** Start, in milliseconds since the epoch. */
  time: number;
  durationSeconds: number;
  state: RunState;
  tone: DisplayTone;
}

/** The outcomes the chart tells apart by colour, in legend order. */
export const OUTCOMES: readonly { tone: DisplayTone; label: string }[] = [
  { tone: 'ok', label: 'Succeeded' },
  { tone: 'warning', label: 'Succeeded with failures' },
  { tone: 'critical', label: 'Failed' },
  { tone: 'neutral', label: 'Canceled or not run' },
  { tone: 'info', label: 'Still going' },
];

/** The finished runs that started in the window, oldest first, as points of duration over time. */
export function chartPoints(runs: readonly HistoryRun[], sinceMs: number): ChartPoint[] {
  return runs
    .flatMap((run) => {
      const time = Date.parse(run.startTime);
      const duration = run.durationSeconds;
      if (duration === null || !(duration >= 0) || !(time >= sinceMs)) return [];
      return [
        {
          runId: run.runId,
          time,
          durationSeconds: duration,
          state: run.state,
          tone: runStateTone(run.state),
        },
      ];
    })
    .sort((a, b) => a.time - b.time);
}

export interface MatrixColumn {
  runId: string;
  state: RunState;
  startTime: string;
  durationSeconds: number | null;
}

export interface MatrixRow {
  taskKey: string;
  /** One per column: the task's state in that run, null where it did not run. */
  cells: (RunState | null)[];
}

export interface RunMatrix {
  /** Oldest first, so the newest run is on the right, as in the Databricks Jobs UI. */
  columns: MatrixColumn[];
  rows: MatrixRow[];
}

/**
 * Recent runs × tasks: the `maxColumns` newest runs of `runs` (newest first, as the API sends
 * them), and a row per task of the job's definition in DAG order, then any task that ran in those
 * runs but is no longer defined.
 */
export function runMatrix(
  runs: readonly HistoryRun[],
  definition: readonly DagTask[],
  maxColumns: number,
): RunMatrix {
  const recent = runs
    .toSorted((a, b) => Date.parse(b.startTime) - Date.parse(a.startTime))
    .slice(0, maxColumns)
    .reverse();
  const defined = dagOrder(definition);
  const known = new Set(defined);
  const former = [
    ...new Set(recent.flatMap((run) => run.tasks.map((task) => task.taskKey))),
  ].filter((key) => !known.has(key));
  const states = recent.map((run) => new Map(run.tasks.map((task) => [task.taskKey, task.state])));
  return {
    columns: recent.map(({ runId, state, startTime, durationSeconds }) => ({
      runId,
      state,
      startTime,
      durationSeconds,
    })),
    rows: [...defined, ...former.sort()].map((taskKey) => ({
      taskKey,
      cells: states.map((byKey) => byKey.get(taskKey) ?? null),
    })),
  };
}

// ---------------------------------------------------------------------------------------------
// What starts the job

export interface JobTriggerFacts {
  kind: Trigger;
  interval: number | null;
  intervalUnit: string | null;
  schedule: { quartzCronExpression: string | null; timezoneId: string | null } | null;
}

const DAYS: Record<string, string> = {
  MON: 'Mondays',
  TUE: 'Tuesdays',
  WED: 'Wednesdays',
  THU: 'Thursdays',
  FRI: 'Fridays',
  SAT: 'Saturdays',
  SUN: 'Sundays',
};

const TRIGGER_WORDS: Partial<Record<Trigger, string>> = {
  FILE_ARRIVAL: 'When a file arrives',
  TABLE_UPDATE: 'When a table is updated',
  CONTINUOUS: 'Continuously',
  JOB_COMPLETION: 'When another job completes',
  MODEL: 'When a model changes',
  ONE_TIME: 'Only when started by hand',
};

function twoDigits(value: string): string {
  return value.padStart(2, '0');
}

/** A Quartz cron expression in words for the shapes schedules usually take; null for others. */
function cronWords(cron: string): string | null {
  const fields = cron.trim().split(/\s+/);
  if (fields.length < 6) return null;
  const [second, minute, hour, dayOfMonth, month, dayOfWeek] = fields;
  if (second !== '0' || minute === undefined || !/^\d+$/.test(minute) || month !== '*') return null;
  const everyDay = dayOfMonth === '*' && (dayOfWeek === '?' || dayOfWeek === '*');
  if (hour === '*' && everyDay) return `Hourly at :${twoDigits(minute)}`;
  const every = /^(\d+)\/(\d+)$/.exec(hour ?? '');
  if (every !== null && everyDay) {
    return `Every ${every[2] ?? ''} hours from ${twoDigits(every[1] ?? '0')}:${twoDigits(minute)}`;
  }
  if (hour === undefined || !/^\d+$/.test(hour)) return null;
  const at = `${twoDigits(hour)}:${twoDigits(minute)}`;
  if (everyDay) return `Daily at ${at}`;
  const day = DAYS[dayOfWeek ?? ''];
  if (dayOfMonth === '?' && day !== undefined) return `${day} at ${at}`;
  return null;
}

/** What starts a job, in words: "Daily at 07:30 (UTC)", "Every 4 hours", "When a file arrives". */
export function triggerText(trigger: JobTriggerFacts | null, paused: boolean | null): string {
  let text: string;
  if (trigger === null) {
    text = 'Not known';
  } else if (trigger.kind === 'PERIODIC') {
    const cron = trigger.schedule?.quartzCronExpression ?? null;
    const zone = trigger.schedule?.timezoneId ?? null;
    if (cron !== null) {
      const words = cronWords(cron) ?? `On the schedule “${cron}”`;
      text = zone === null ? words : `${words} (${zone})`;
    } else if (trigger.interval !== null && trigger.intervalUnit !== null) {
      text = `Every ${formatCount(trigger.interval)} ${trigger.intervalUnit.toLowerCase()}`;
    } else {
      text = 'On a schedule';
    }
  } else {
    text = TRIGGER_WORDS[trigger.kind] ?? 'Not known';
  }
  return paused === true ? `${text}, paused` : text;
}

// ---------------------------------------------------------------------------------------------
// The SLA target

/** The API's ceiling for a target: 30 days. */
export const MAX_TARGET_SECONDS = 30 * 24 * 3600;

export type TargetInput = { seconds: number } | { error: string };

/** A target typed in minutes ("45", "90", "7.5"), checked as the API will check it. */
export function parseTargetMinutes(text: string): TargetInput {
  const trimmed = text.trim().replace(',', '.');
  if (trimmed === '') return { error: 'Enter the target in minutes.' };
  const minutes = Number(trimmed);
  if (!Number.isFinite(minutes)) return { error: 'Enter a number of minutes, such as 45 or 90.' };
  const seconds = Math.round(minutes * 60);
  if (seconds < 1) return { error: 'The target must be longer than 0 minutes.' };
  if (seconds > MAX_TARGET_SECONDS) {
    return {
      error: `The target can be at most ${formatCount(MAX_TARGET_SECONDS / 60)} minutes (30 days).`,
    };
  }
  return { seconds };
}

/** A target in seconds as the minutes a person would type: "45", "7.5". */
export function targetMinutesText(seconds: number | null): string {
  if (seconds === null) return '';
  return String(Math.round((seconds / 60) * 100) / 100);
}

/** A target the page just wrote (null: cleared), until the API's read of the job catches up. */
export interface WrittenTarget {
  targetSeconds: number | null;
}

/**
 * The target to show: the one just written while the API still reads the old one (it reads
 * system.lakeflow.jobs, which follows the Jobs API within about a minute), else the one read.
 */
export function shownTarget(
  read: number | null,
  written: WrittenTarget | null,
): { targetSeconds: number | null; catchingUp: boolean } {
  const catchingUp = written !== null && written.targetSeconds !== read;
  return { targetSeconds: catchingUp ? written.targetSeconds : read, catchingUp };
}

/** An error `setJobSla` or `clearJobSla` returned as data, with the fields of each kind. */
export interface SlaChangeError extends ApiError {
  principal?: 'VIEWER' | 'APP';
  requiredPermissions?: readonly string[];
  grant?: string | null;
  bundleMetadataPath?: string | null;
}

/** Why a target was not changed, in words: who lacks which permission, or where it must be set. */
export function describeSlaError(error: SlaChangeError): { title: string; detail: string | null } {
  switch (error.__typename) {
    case 'PermissionDenied':
      if (error.principal === 'APP') {
        return {
          title: 'Job Monitor itself may not edit this job',
          detail: `A manager of the job must grant the app's service principal ${error.grant ?? 'CAN_MANAGE'} on it.`,
        };
      }
      return {
        title: 'You may not change this job’s target',
        detail: `That needs ${(error.requiredPermissions ?? ['CAN_MANAGE']).join(' or ')} on the job; ask its owner.`,
      };
    case 'BundleManagedJob':
      return {
        title: 'A bundle deploys this job',
        detail:
          'Set the target in the bundle’s job configuration and deploy it: its next deploy would erase a target set here.' +
          (error.bundleMetadataPath === null || error.bundleMetadataPath === undefined
            ? ''
            : ` The bundle keeps its state at ${error.bundleMetadataPath}.`),
      };
    case 'InvalidFilter':
      return { title: 'Job Monitor cannot use this target', detail: error.message };
    default: {
      const { title, detail } = describeApiError(error);
      return { title, detail };
    }
  }
}

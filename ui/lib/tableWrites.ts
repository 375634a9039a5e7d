import type { SchemaChangeKind, Window } from '../gql/graphql';
import type { StatusTone } from './health';
import { formatCount } from './format';
import { niceMax } from './chart';

/** One of a job's writes to a table, as the API sends it (`TableWrite`). */
export interface TableWriteFacts {
  version: number;
  committedAt: string;
  runId: string | null;
  operation: string;
  rows: number | null;
  baselineRows: number | null;
  deltaPercent: number | null;
  anomaly: boolean;
  emptyRun: boolean;
}

/**
 * How a write is marked on the chart and in the list, each with its own shape as well as colour:
 * inside the band, above or below it, empty (no rows), or not judged (too few earlier writes).
 */
export type WriteMark = 'usual' | 'above' | 'below' | 'empty' | 'unjudged';

/** The marks in legend order, with what each says. */
export const WRITE_MARKS: readonly { mark: WriteMark; label: string }[] = [
  { mark: 'usual', label: 'Within the band' },
  { mark: 'above', label: 'Above the band' },
  { mark: 'below', label: 'Below the band' },
  { mark: 'empty', label: 'Empty run (no rows)' },
  { mark: 'unjudged', label: 'Too few earlier writes to judge' },
];

export function writeMark(write: TableWriteFacts): WriteMark {
  if (write.emptyRun) return 'empty';
  if (write.anomaly) return (write.deltaPercent ?? 0) > 0 ? 'above' : 'below';
  return write.baselineRows === null ? 'unjudged' : 'usual';
}

/** What a mark is called in a sentence or a list: "Below the band", "Empty run". */
export function writeMarkLabel(mark: WriteMark): string {
  switch (mark) {
    case 'empty':
      return 'Empty run';
    case 'above':
      return 'Above the band';
    case 'below':
      return 'Below the band';
    case 'unjudged':
      return 'Not judged';
    case 'usual':
      return 'Within the band';
  }
}

export interface Band {
  low: number;
  high: number;
}

/**
 * The rows a write may have without being an anomaly: its baseline (the median of the previous
 * writes) ± `anomalyPercent`; none without a baseline. Rows are never negative.
 */
export function baselineBand(baselineRows: number | null, anomalyPercent: number): Band | null {
  if (baselineRows === null || !Number.isFinite(baselineRows) || !Number.isFinite(anomalyPercent)) {
    return null;
  }
  const share = Math.abs(anomalyPercent) / 100;
  return { low: Math.max(0, baselineRows * (1 - share)), high: baselineRows * (1 + share) };
}

/** A write on the chart: rows over its commit time, with the band around its baseline. */
export interface WritePoint {
  version: number;
  runId: string | null;
  operation: string;
  /** Commit time, in milliseconds since the epoch. */
  time: number;
  rows: number;
  baselineRows: number | null;
  deltaPercent: number | null;
  /** [low, high] of the band, for a range area; null where there is no baseline. */
  band: [number, number] | null;
  mark: WriteMark;
}

/** The writes with rows, oldest first, as chart points; a write whose metrics say no rows is left out. */
export function writePoints(
  writes: readonly TableWriteFacts[],
  anomalyPercent: number,
): WritePoint[] {
  return writes
    .flatMap((write) => {
      const time = Date.parse(write.committedAt);
      if (write.rows === null || !Number.isFinite(write.rows) || Number.isNaN(time)) return [];
      const band = baselineBand(write.baselineRows, anomalyPercent);
      return [
        {
          version: write.version,
          runId: write.runId,
          operation: write.operation,
          time,
          rows: write.rows,
          baselineRows: write.baselineRows,
          deltaPercent: write.deltaPercent,
          band: band === null ? null : ([band.low, band.high] as [number, number]),
          mark: writeMark(write),
        },
      ];
    })
    .sort((a, b) => a.time - b.time || a.version - b.version);
}

/** The top of the rows axis: a round value above every write and every band. */
export function rowsAxisTop(points: readonly WritePoint[]): number {
  return niceMax(Math.max(0, ...points.map((p) => Math.max(p.rows, p.band?.[1] ?? 0))) * 1.05);
}

/** Rows written, in full: "1,067"; a dash when the metrics do not say. */
export function formatRows(rows: number | null | undefined): string {
  if (rows === null || rows === undefined || !Number.isFinite(rows)) return '—';
  return formatCount(Math.round(rows));
}

/** Rows on an axis, short: "11.7M", "3.5K", "800". */
export function formatRowsCompact(rows: number, locale = 'en-US'): string {
  return new Intl.NumberFormat(locale, { notation: 'compact', maximumFractionDigits: 1 }).format(
    rows,
  );
}

/**
 * How far a write is from its baseline, signed: "−71%", "+5.3%"; whole percents from 10 % on,
 * where a decimal adds nothing; a dash without a baseline.
 */
export function formatDelta(deltaPercent: number | null | undefined): string {
  if (deltaPercent === null || deltaPercent === undefined || !Number.isFinite(deltaPercent)) {
    return '—';
  }
  const magnitude = Math.abs(deltaPercent);
  const rounded = magnitude >= 10 ? Math.round(magnitude) : Math.round(magnitude * 10) / 10;
  if (rounded === 0) return '±0%';
  return `${deltaPercent > 0 ? '+' : '−'}${String(rounded)}%`;
}

/** The delta in words: "71% below its baseline of 3,717 rows"; why there is none otherwise. */
export function deltaText(write: {
  baselineRows: number | null;
  deltaPercent: number | null;
}): string {
  if (write.baselineRows === null || write.deltaPercent === null) {
    return 'no baseline yet: fewer than 3 earlier writes';
  }
  const baseline = `its baseline of ${formatRows(write.baselineRows)} rows`;
  const delta = formatDelta(write.deltaPercent);
  if (delta === '±0%') return `on ${baseline}`;
  return `${delta.slice(1)} ${write.deltaPercent > 0 ? 'above' : 'below'} ${baseline}`;
}

/** What a table's writes amount to, for its badge: the most pressing first. */
export function tableVerdict(table: {
  historyRead: boolean;
  anomalousWrites: number;
  emptyRuns: number;
  writes: readonly unknown[];
}): { tone: StatusTone; text: string } {
  if (!table.historyRead) return { tone: 'neutral', text: 'History not read' };
  if (table.writes.length === 0) return { tone: 'neutral', text: 'No writes in the window' };
  const outside = table.anomalousWrites - table.emptyRuns;
  const parts: string[] = [];
  if (table.emptyRuns > 0) parts.push(plural(table.emptyRuns, 'empty run', 'empty runs'));
  if (outside > 0) {
    parts.push(plural(outside, 'write outside the band', 'writes outside the band'));
  }
  if (parts.length === 0) return { tone: 'ok', text: 'Rows as usual' };
  return { tone: 'critical', text: capitalise(parts.join(', ')) };
}

function plural(count: number, one: string, many: string): string {
  return `${formatCount(count)} ${count === 1 ? one : many}`;
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** A sentence for the chart's accessible name: what it draws, and what stands out. */
export function chartSummary(
  table: string,
  points: readonly WritePoint[],
  anomalyPercent: number,
  columnChanges = 0,
): string {
  const count = (mark: WriteMark) => points.filter((p) => p.mark === mark).length;
  const outside = count('above') + count('below');
  const empty = count('empty');
  const parts = [
    `Rows of ${plural(points.length, 'write', 'writes')} to ${table} over time`,
    `${outside === 0 ? 'none' : formatCount(outside)} outside the band of ±${formatAnomalyPercent(anomalyPercent)} around the median of the previous writes`,
    `${empty === 0 ? 'no' : formatCount(empty)} empty ${empty === 1 ? 'run' : 'runs'}`,
  ];
  const latest = points.at(-1);
  if (latest !== undefined) {
    parts.push(`the latest wrote ${formatRows(latest.rows)} rows, ${deltaText(latest)}`);
  }
  if (columnChanges > 0) {
    parts.push(`${plural(columnChanges, 'column change', 'column changes')} marked`);
  }
  return `${parts.join('; ')}.`;
}

/** The anomaly threshold as the API's setting reads: "20%", "12.5%". */
export function formatAnomalyPercent(percent: number): string {
  return `${String(Math.round(percent * 10) / 10)}%`;
}

/** The writes a person should look at, newest first: outside the band or empty. */
export function anomalousWrites<T extends TableWriteFacts>(writes: readonly T[]): T[] {
  return writes
    .filter((write) => write.anomaly || write.emptyRun)
    .sort((a, b) => Date.parse(b.committedAt) - Date.parse(a.committedAt) || b.version - a.version);
}

// ---------------------------------------------------------------------------------------------
// Schema changes

const KIND_LABELS: Record<SchemaChangeKind, string> = {
  ADDED: 'Added',
  DROPPED: 'Dropped',
  RENAMED: 'Renamed',
  RETYPED: 'Retyped',
};

/** A column change's kind as a person says it. */
export function schemaChangeLabel(kind: SchemaChangeKind): string {
  return (KIND_LABELS as Partial<Record<string, string>>)[kind] ?? kind;
}

/**
 * How much a change may break a reader: a dropped column breaks queries that name it, a renamed or
 * retyped one may; an added one rarely does.
 */
export function schemaChangeTone(kind: SchemaChangeKind): StatusTone {
  switch (kind) {
    case 'DROPPED':
      return 'critical';
    case 'RENAMED':
    case 'RETYPED':
      return 'warning';
    default:
      return 'neutral';
  }
}

/** What the column is now: the type of an added or retyped one, the new name of a renamed one. */
export function schemaChangeDetail(change: {
  kind: SchemaChangeKind;
  newName: string | null;
  dataType: string | null;
}): string {
  switch (change.kind) {
    case 'RENAMED':
      return change.newName ?? '—';
    case 'ADDED':
    case 'RETYPED':
      return change.dataType ?? '—';
    default:
      return '—';
  }
}

// ---------------------------------------------------------------------------------------------
// The window

/** Delta keeps about this much history (`delta.logRetentionDuration`): older changes are not seen. */
export const HISTORY_WINDOW: Window = 'LAST_30_DAYS';

const SHORTER_THAN_HISTORY: readonly Window[] = ['LAST_24_HOURS', 'LAST_7_DAYS'];

/** A longer window worth offering when a short one shows no schema change, or null. */
export function longerWindowForChanges(window: Window): Window | null {
  return SHORTER_THAN_HISTORY.includes(window) ? HISTORY_WINDOW : null;
}

const MIN_SPAN_MS = 3_600_000;

/**
 * The chart's time axis: from the oldest write drawn to when the writes were read, so a table the
 * job stopped writing shows the gap at the right; at least an hour.
 */
export function writesSpan(
  points: readonly WritePoint[],
  nowMs: number,
): { fromMs: number; toMs: number } {
  const toMs = Math.max(nowMs, ...points.map((p) => p.time));
  const oldest = points.length === 0 ? toMs : Math.min(...points.map((p) => p.time));
  return { fromMs: Math.min(oldest, toMs - MIN_SPAN_MS), toMs };
}

// ---------------------------------------------------------------------------------------------
// The marks' shapes

/** An SVG path through these points, closed unless a line: "M0 -7L7 5L-7 5Z". */
function pathThrough(points: readonly (readonly [number, number])[], closed = true): string {
  const steps = points.map(([x, y], i) => `${i === 0 ? 'M' : 'L'}${String(x)} ${String(y)}`);
  return steps.join('') + (closed ? 'Z' : '');
}

/**
 * The outline of a mark centred on (cx, cy), as an SVG path, and for an empty run the cross inside
 * it: a triangle pointing up above the band, down below it, a diamond with a cross for an empty
 * run. Null for the marks drawn as circles (within the band, not judged).
 */
export function markPath(
  mark: WriteMark,
  cx: number,
  cy: number,
): { outline: string; cross: string | null } | null {
  switch (mark) {
    case 'above':
      return {
        outline: pathThrough([
          [cx, cy - 7],
          [cx + 7, cy + 5],
          [cx - 7, cy + 5],
        ]),
        cross: null,
      };
    case 'below':
      return {
        outline: pathThrough([
          [cx, cy + 7],
          [cx + 7, cy - 5],
          [cx - 7, cy - 5],
        ]),
        cross: null,
      };
    case 'empty': {
      const [l, r, t, b] = [cx - 3, cx + 3, cy - 3, cy + 3] as const;
      return {
        outline: pathThrough([
          [cx, cy - 8],
          [cx + 8, cy],
          [cx, cy + 8],
          [cx - 8, cy],
        ]),
        cross:
          pathThrough(
            [
              [l, t],
              [r, b],
            ],
            false,
          ) +
          pathThrough(
            [
              [r, t],
              [l, b],
            ],
            false,
          ),
      };
    }
    default:
      return null;
  }
}

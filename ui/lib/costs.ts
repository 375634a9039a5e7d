import type { AnomalyCause, CostGrouping, Window, ZombieReason } from '../gql/graphql';
import type { ApiError } from './apiErrors';
import { niceMax } from './chart';
import { formatDuration, formatRatio } from './format';

/** A sum on a chart's axis, short: "$1.25K", "$850" (two decimals, so that halves stay exact). */
export function formatMoneyCompact(amount: number, currency: string, locale = 'en-US'): string {
  return new Intl.NumberFormat(locale, {
    style: 'currency',
    currency,
    notation: 'compact',
    minimumFractionDigits: 0,
    maximumFractionDigits: 2,
  }).format(amount);
}

const PREVIOUS_WINDOWS: Record<Window, string> = {
  LAST_24_HOURS: 'previous 24 hours',
  LAST_7_DAYS: 'previous 7 days',
  LAST_30_DAYS: 'previous 30 days',
  LAST_90_DAYS: 'previous 90 days',
  LAST_365_DAYS: 'previous 365 days',
};

/** The window of the same length just before `window`, as a person names it. */
export function previousWindowLabel(window: Window): string {
  return (PREVIOUS_WINDOWS as Partial<Record<string, string>>)[window] ?? 'previous window';
}

/**
 * A change against the window before, signed: "+17%", "−3.3%"; whole percents from 10% on, where a
 * decimal adds nothing. Null: there is nothing before to compare with.
 */
export function formatChange(change: number | null | undefined): string | null {
  if (change === null || change === undefined || !Number.isFinite(change)) return null;
  const percent = change * 100;
  const rounded = Math.abs(percent) >= 10 ? Math.round(percent) : Math.round(percent * 10) / 10;
  if (rounded === 0) return '±0%';
  const sign = rounded > 0 ? '+' : '−';
  return `${sign}${String(Math.abs(rounded))}%`;
}

/** "+17% vs previous 30 days", or why there is no change to show. */
export function changeText(
  change: number | null | undefined,
  previous: number | null | undefined,
  window: Window,
): string {
  const before = previousWindowLabel(window);
  const formatted = formatChange(change);
  if (formatted !== null) return `${formatted} vs ${before}`;
  // The API leaves the change out both without spend before and beyond the billing it keeps.
  return previous === null || previous === undefined
    ? `no billing kept for the ${before}`
    : `no spend in the ${before}`;
}

/** How a change reads at a glance: more spend deserves a look, less is good news. */
export function changeTone(change: number | null | undefined): 'up' | 'down' | 'flat' {
  const formatted = formatChange(change);
  if (formatted === null || formatted === '±0%') return 'flat';
  return formatted.startsWith('+') ? 'up' : 'down';
}

const COMPUTE_TYPES: Partial<Record<string, string>> = {
  JOBS_COMPUTE: 'Jobs compute',
  SERVERLESS: 'Serverless',
  ALL_PURPOSE: 'All-purpose clusters',
};

// Billing's SKU names: tier, product, options in brackets, then the region of serverless SKUs.
const SKU_TIERS = /^(PREMIUM|STANDARD|ENTERPRISE)_/;

// Region words keep short codes (US, N) as they are: "US East N Virginia".
function regionWord(word: string): string {
  return word.length <= 2 ? word : word.charAt(0) + word.slice(1).toLowerCase();
}

/** A SKU as words: "PREMIUM_JOBS_COMPUTE_(PHOTON)" → "Jobs compute (Photon)". */
export function skuLabel(sku: string): string {
  const words = sku
    .replace(SKU_TIERS, '')
    .split('_')
    .filter((word) => word !== '');
  const end = words.lastIndexOf('COMPUTE') + 1 || words.length;
  const product = words.slice(0, end).join(' ').toLowerCase();
  const rest = words.slice(end);
  const options = rest
    .filter((w) => w.startsWith('('))
    .map((w) => `(${regionWord(w.slice(1, -1))})`);
  const region = rest
    .filter((w) => !w.startsWith('('))
    .map(regionWord)
    .join(' ');
  const text = [product, ...options].join(' ');
  return text.charAt(0).toUpperCase() + text.slice(1) + (region === '' ? '' : ` · ${region}`);
}

/** A cost group's key as a person reads it; `null` keys mean no team tag (TEAM) or no identity. */
export function groupLabel(groupBy: CostGrouping, key: string | null): string {
  if (key === null) return groupBy === 'TEAM' ? 'No team tag' : 'Unknown';
  if (groupBy === 'COMPUTE_TYPE') return COMPUTE_TYPES[key] ?? key;
  if (groupBy === 'SKU') return skuLabel(key);
  return key;
}

/** What the API says about one costly run, as `costAnomalies` returns it. */
export interface AnomalyFacts {
  likelyCauses: readonly AnomalyCause[];
  definitionChangedAt: string | null;
  durationSeconds: number | null;
  baselineP90DurationSeconds: number | null;
  repairCount: number;
  skus: readonly string[];
  baselineSkus: readonly string[];
}

const isServerless = (sku: string): boolean => sku.includes('SERVERLESS');
const isPhoton = (sku: string): boolean => sku.includes('PHOTON');

function dayOf(iso: string, timeZone: string | undefined): string {
  return new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', timeZone }).format(
    new Date(iso),
  );
}

function causePhrase(cause: AnomalyCause, facts: AnomalyFacts, timeZone?: string): string {
  switch (cause) {
    case 'DEFINITION_CHANGED':
      return facts.definitionChangedAt === null
        ? 'definition changed'
        : `definition changed on ${dayOf(facts.definitionChangedAt, timeZone)}`;
    case 'LONGER_DURATION': {
      const { durationSeconds: took, baselineP90DurationSeconds: usual } = facts;
      return took === null || usual === null || usual <= 0
        ? 'ran longer than usual'
        : `ran ${formatRatio(took / usual)} longer (${formatDuration(took)} against ${formatDuration(usual)})`;
    }
    case 'DIFFERENT_SKU': {
      const added = facts.skus.filter((sku) => !facts.baselineSkus.includes(sku));
      if (added.some(isPhoton) && !facts.baselineSkus.some(isPhoton)) return 'now on a Photon SKU';
      return added.length === 0
        ? 'billed on another SKU'
        : `now on ${added.map(skuLabel).join(', ')}`;
    }
    case 'DIFFERENT_COMPUTE_TYPE':
      return facts.skus.some(isServerless) && !facts.baselineSkus.some(isServerless)
        ? 'now on serverless compute'
        : 'now on classic compute, no longer serverless';
    case 'MORE_REPAIRS':
      return `repaired ${String(facts.repairCount)} ${facts.repairCount === 1 ? 'time' : 'times'}`;
    case 'RETRY':
      return 'an automatic retry';
    default:
      return 'another cause';
  }
}

/**
 * Why a run likely cost more, in words, in the API's order: "definition changed on 25 Nov; ran
 * 3.1× longer (1h 23m against 26m 37s); now on a Photon SKU". `timeZone` is the viewer's unless given.
 */
export function causeText(facts: AnomalyFacts, timeZone?: string): string {
  if (facts.likelyCauses.length === 0) return 'no likely cause shows in the data';
  return facts.likelyCauses.map((cause) => causePhrase(cause, facts, timeZone)).join('; ');
}

/** A costly run as `costAnomalies` returns it, with what grouping and display need. */
export interface Anomaly extends AnomalyFacts {
  run: { runId: string } | null;
  job: { jobId: string; name: string; team: string | null } | null;
  startTime: string;
  listCostUsd: number;
  baselineP90RunCostUsd: number;
  ratio: number;
}

/** A job's costly runs: the costliest (the API's first) stands for them. */
export interface JobAnomalies<A extends Anomaly = Anomaly> {
  /** The job's id, or the run's for a job deleted since. */
  key: string;
  job: A['job'];
  costliest: A;
  runs: number;
  listCostUsd: number;
  /** What the runs cost above their job's p90: the spend the anomalies added. */
  excessUsd: number;
}

/** What runs cost above their job's usual (p90) run cost: the anomalies' share of the bill. */
export function excessOf(anomalies: readonly Anomaly[]): number {
  return anomalies.reduce(
    (sum, a) => sum + Math.max(0, a.listCostUsd - a.baselineP90RunCostUsd),
    0,
  );
}

/**
 * Anomalies one row per job, the largest excess over usual first: a job whose runs all got dearer
 * after one change would otherwise fill the list. The API sends runs largest excess first, so each
 * job's first run is its costliest.
 */
export function anomaliesByJob<A extends Anomaly>(anomalies: readonly A[]): JobAnomalies<A>[] {
  const groups = new Map<string, { costliest: A; all: A[] }>();
  for (const anomaly of anomalies) {
    const key = anomaly.job?.jobId ?? `run:${anomaly.run?.runId ?? anomaly.startTime}`;
    const group = groups.get(key);
    if (group === undefined) groups.set(key, { costliest: anomaly, all: [anomaly] });
    else group.all.push(anomaly);
  }
  return [...groups.entries()]
    .map(([key, { costliest, all }]) => ({
      key,
      job: costliest.job,
      costliest,
      runs: all.length,
      listCostUsd: all.reduce((sum, a) => sum + a.listCostUsd, 0),
      excessUsd: excessOf(all),
    }))
    .toSorted((a, b) => b.excessUsd - a.excessUsd);
}

/** Why a job is a zombie, with the figure that shows it. */
export function zombieReasonText(
  reason: ZombieReason,
  runs: number,
  longestRunSeconds: number | null,
): string {
  const billed = `${String(runs)} ${runs === 1 ? 'run' : 'runs'} billed`;
  switch (reason) {
    case 'NO_SUCCESSFUL_RUN':
      return `No run succeeded (${billed})`;
    case 'ONLY_SHORT_RUNS':
      return `Every run ended within a minute (${billed}, longest ${formatDuration(longestRunSeconds)})`;
    default:
      return `No useful result (${billed})`;
  }
}

/** A group of a cost breakdown with its daily series, as `costs` returns it. */
export interface SpendGroup {
  key: string | null;
  listCostUsd: number;
  attributable: boolean;
  daily: readonly { date: string; listCostUsd: number }[];
}

export interface ChartSeries {
  /** The row field that holds the series' values. */
  dataKey: string;
  label: string;
  /** The keys of the groups it sums (one, or several for "Other"). */
  groups: (string | null)[];
}

export interface StackedDaily {
  series: ChartSeries[];
  /** One row per UTC day: `date` and a value per series. */
  rows: Record<string, string | number>[];
  /** A round top for the axis, at or above the dearest day. */
  top: number;
}

const OTHER_KEY = 'other';

/**
 * A stacked daily chart of a breakdown: its biggest groups each a series, the rest summed as
 * "Other", so the stack stays readable. Groups outside the totals (all-purpose clusters) are left
 * out, so each day's stack is that day's spend.
 */
export function stackedDaily(
  groupBy: CostGrouping,
  groups: readonly SpendGroup[],
  maxSeries = 5,
): StackedDaily {
  const counted = groups
    .filter((g) => g.attributable)
    .toSorted((a, b) => b.listCostUsd - a.listCostUsd);
  // An "Other" of one group would hide a name that fits just as well.
  const shown = counted.length <= maxSeries ? counted : counted.slice(0, maxSeries - 1);
  const rest = counted.slice(shown.length);
  const series: ChartSeries[] = shown.map((g, i) => ({
    dataKey: `s${String(i)}`,
    label: groupLabel(groupBy, g.key),
    groups: [g.key],
  }));
  if (rest.length > 0) {
    series.push({
      dataKey: OTHER_KEY,
      label: `Other (${String(rest.length)})`,
      groups: rest.map((g) => g.key),
    });
  }
  const rows = new Map<string, Record<string, string | number>>();
  const add = (date: string, dataKey: string, amount: number): void => {
    const row = rows.get(date) ?? { date };
    row[dataKey] = (typeof row[dataKey] === 'number' ? row[dataKey] : 0) + amount;
    rows.set(date, row);
  };
  shown.forEach((g, i) => {
    for (const day of g.daily) add(day.date, `s${String(i)}`, day.listCostUsd);
  });
  for (const g of rest) for (const day of g.daily) add(day.date, OTHER_KEY, day.listCostUsd);
  const dayTotals = [...rows.values()].map((row) =>
    series.reduce((sum, { dataKey }) => sum + Number(row[dataKey] ?? 0), 0),
  );
  return {
    series,
    rows: [...rows.values()].toSorted((a, b) => String(a.date).localeCompare(String(b.date))),
    top: niceMax(Math.max(0, ...dayTotals)),
  };
}

/** A chart series' colour: a theme variable the chart's figure defines, "Other" always grey. */
export function seriesColour(dataKey: string, index: number): string {
  return dataKey === OTHER_KEY ? 'var(--series-other)' : `var(--series-${String(index + 1)})`;
}

/**
 * The errors the API returned as data among a request's fields, in order: pages that ask several
 * fields at once show what did answer, and retry soon while one is transient.
 */
export function apiErrorsIn(results: readonly { __typename: string }[]): ApiError[] {
  return results.filter((r): r is ApiError => 'message' in r && 'code' in r);
}

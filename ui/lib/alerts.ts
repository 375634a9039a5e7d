import type { AlertKind, AlertSeverity } from '../gql/graphql';
import { describeChangeError, type ApiError } from './apiErrors';
import { formatCount } from './format';
import type { DisplayTone } from './health';

// ---------------------------------------------------------------------------------------------
// Severities and kinds

export const SEVERITIES: readonly AlertSeverity[] = ['P1', 'P2', 'P3'];

interface SeverityPresentation {
  tone: DisplayTone;
  /** What the severity stands for, under its section's heading. */
  meaning: string;
}

const SEVERITY_PRESENTATION: Record<AlertSeverity, SeverityPresentation> = {
  P1: { tone: 'critical', meaning: 'Failing now: a failure streak, or a run past its SLA target.' },
  P2: {
    tone: 'warning',
    meaning:
      'Missing a promise: success rate below 90%, runs over target, a run near it, a budget spent.',
  },
  P3: {
    tone: 'info',
    meaning:
      'Money and slowness: duration regressions, cost anomalies, zombie jobs, budgets on pace to run out, over-provisioned jobs.',
  },
};

export function severityPresentation(severity: AlertSeverity): SeverityPresentation {
  return (
    (SEVERITY_PRESENTATION as Partial<Record<string, SeverityPresentation>>)[severity] ?? {
      tone: 'neutral',
      meaning: 'A severity this version does not know.',
    }
  );
}

export const ALERT_KINDS: readonly { value: AlertKind; label: string }[] = [
  { value: 'FAILURE_STREAK', label: 'Failure streak' },
  { value: 'SLA_AT_RISK', label: 'SLA at risk' },
  { value: 'SLA_BREACHED', label: 'SLA breached' },
  { value: 'LOW_SUCCESS_RATE', label: 'Low success rate' },
  { value: 'BUDGET_BREACHED', label: 'Budget spent' },
  { value: 'BUDGET_FORECAST_TO_BREACH', label: 'Budget on pace to run out' },
  { value: 'DURATION_REGRESSION', label: 'Duration regression' },
  { value: 'COST_ANOMALY', label: 'Cost anomaly' },
  { value: 'ZOMBIE_JOB', label: 'Zombie job' },
  { value: 'OVER_PROVISIONED', label: 'Over-provisioned' },
  { value: 'ROW_COUNT_ANOMALY', label: 'Row-count anomaly' },
  { value: 'SCHEMA_DRIFT', label: 'Schema drift' },
];

export function alertKindLabel(kind: AlertKind): string {
  return ALERT_KINDS.find((k) => k.value === kind)?.label ?? kind.toLowerCase().replace(/_/g, ' ');
}

// ---------------------------------------------------------------------------------------------
// The page's address: `severity=P1,P2`, `kind=FAILURE_STREAK`, `acknowledged=true`

/** Severities from the address ("P1,P2"), in severity order; none (or all three) means any. */
export function parseSeverities(value: unknown): AlertSeverity[] | undefined {
  if (typeof value !== 'string') return undefined;
  const wanted = new Set(value.split(',').map((part) => part.trim().toUpperCase()));
  const chosen = SEVERITIES.filter((severity) => wanted.has(severity));
  return chosen.length === 0 || chosen.length === SEVERITIES.length ? undefined : chosen;
}

/** Severities for the address: undefined (no parameter) when they mean any. */
export function severitiesParam(severities: readonly AlertSeverity[]): string | undefined {
  const chosen = SEVERITIES.filter((severity) => severities.includes(severity));
  return chosen.length === 0 || chosen.length === SEVERITIES.length ? undefined : chosen.join(',');
}

export function parseAlertKind(value: unknown): AlertKind | undefined {
  return ALERT_KINDS.find((k) => k.value === value)?.value;
}

// ---------------------------------------------------------------------------------------------
// Grouping

export interface SeverityCount {
  severity: AlertSeverity;
  count: number;
}

export interface SeveritySection<A> {
  severity: AlertSeverity;
  /** Every alert of the severity that the filter matches, loaded or not (the API's count). */
  count: number;
  /** Those loaded so far, in the API's order (the worst first). */
  alerts: A[];
}

/**
 * The loaded alerts in a section per severity, P1 first, each with the API's count of all its
 * alerts (so a section can say how many are still to load). A severity without alerts has no
 * section; one the API counted without sending any yet still has its (empty) section.
 */
export function groupBySeverity<A extends { severity: AlertSeverity }>(
  alerts: readonly A[],
  counts: readonly SeverityCount[],
): SeveritySection<A>[] {
  return SEVERITIES.map((severity) => {
    const loaded = alerts.filter((alert) => alert.severity === severity);
    const counted = counts.find((c) => c.severity === severity)?.count ?? 0;
    return { severity, count: Math.max(counted, loaded.length), alerts: loaded };
  }).filter((section) => section.count > 0);
}

/** "21 alerts", "1 alert". */
export function alertsText(count: number): string {
  return `${formatCount(count)} ${count === 1 ? 'alert' : 'alerts'}`;
}

/** The sidebar's count: open alerts, their tone (the worst severity among them) and words. */
export function openAlertsSummary(counts: readonly SeverityCount[]): {
  total: number;
  tone: DisplayTone;
  /** For the tooltip: "52 open alerts: 21 P1, 20 P2, 11 P3". */
  detail: string;
} {
  const total = counts.reduce((sum, c) => sum + c.count, 0);
  const countOf = (severity: AlertSeverity): number =>
    counts.find((c) => c.severity === severity)?.count ?? 0;
  const tone: DisplayTone = countOf('P1') > 0 ? 'critical' : countOf('P2') > 0 ? 'warning' : 'info';
  const parts = SEVERITIES.filter((s) => countOf(s) > 0).map(
    (s) => `${formatCount(countOf(s))} ${s}`,
  );
  return {
    total,
    tone: total === 0 ? 'neutral' : tone,
    detail:
      total === 0
        ? 'No open alerts'
        : `${formatCount(total)} open ${total === 1 ? 'alert' : 'alerts'}: ${parts.join(', ')}`,
  };
}

// ---------------------------------------------------------------------------------------------
// Acknowledging

/** The API's limit: an acknowledgement lasts at most 30 days. */
export const MAX_ACKNOWLEDGE_MS = 30 * 24 * 3600 * 1000;

const HOUR_MS = 3600 * 1000;

export type AcknowledgeChoice = '4h' | '1d' | '1w' | 'until';

export const ACKNOWLEDGE_CHOICES: readonly { value: AcknowledgeChoice; label: string }[] = [
  { value: '4h', label: 'For 4 hours' },
  { value: '1d', label: 'For 1 day' },
  { value: '1w', label: 'For 1 week' },
  { value: 'until', label: 'Until…' },
];

const CHOICE_MS: Record<Exclude<AcknowledgeChoice, 'until'>, number> = {
  '4h': 4 * HOUR_MS,
  '1d': 24 * HOUR_MS,
  '1w': 7 * 24 * HOUR_MS,
};

export type AcknowledgeUntil = { until: Date } | { error: string };

/**
 * Until when an acknowledgement lasts: a span from now, or a time typed in the browser's
 * `datetime-local` form ("2026-12-05T09:00", the viewer's own zone), checked as the API checks it:
 * in the future and at most 30 days ahead.
 */
export function acknowledgeUntil(
  choice: AcknowledgeChoice,
  nowMs: number,
  localText = '',
): AcknowledgeUntil {
  if (choice !== 'until') return { until: new Date(nowMs + CHOICE_MS[choice]) };
  if (localText.trim() === '') return { error: 'Choose the day and time it should last until.' };
  // Without a zone, a date-time is read in the viewer's own.
  const until = new Date(localText);
  if (Number.isNaN(until.getTime())) return { error: 'That is not a date and time.' };
  if (until.getTime() <= nowMs) return { error: 'Choose a time in the future.' };
  if (until.getTime() - nowMs > MAX_ACKNOWLEDGE_MS) {
    return { error: 'An acknowledgement lasts at most 30 days.' };
  }
  return { until };
}

/** A `datetime-local` input's value for an instant, in the viewer's zone: "2026-12-05T09:00". */
export function localInputValue(date: Date): string {
  const pad = (n: number): string => String(n).padStart(2, '0');
  return (
    `${String(date.getFullYear())}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}` +
    `T${pad(date.getHours())}:${pad(date.getMinutes())}`
  );
}

/** Why an acknowledgement was not changed, in words; the API's own message says what happened. */
export function describeAlertChangeError(error: ApiError): { title: string; detail: string } {
  if (error.__typename === 'NotFound') {
    return {
      title: 'This alert is no longer there',
      detail: `${error.message} Its condition may have cleared.`,
    };
  }
  return describeChangeError(error);
}

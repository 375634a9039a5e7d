import type { ReportKind } from '../gql/graphql';

export type ReportParam = 'daily' | 'weekly' | 'monthly';

interface ReportPresentation {
  kind: ReportKind;
  param: ReportParam;
  /** The choice's word: "Daily". */
  label: string;
  /** What the report is: "Daily health". */
  name: string;
  /** When it is sent and what it holds. */
  description: string;
}

const DAILY: ReportPresentation = {
  kind: 'DAILY',
  param: 'daily',
  label: 'Daily',
  name: 'Daily health',
  description:
    'Sent every morning: the last 24 hours’ failures, new P1 alerts, SLA breaches and what to do.',
};

export const REPORTS: readonly ReportPresentation[] = [
  DAILY,
  {
    kind: 'WEEKLY',
    param: 'weekly',
    label: 'Weekly',
    name: 'Weekly cost',
    description:
      'Sent on Mondays: spend per team against the week before, anomalies, waste and zombie jobs.',
  },
  {
    kind: 'MONTHLY',
    param: 'monthly',
    label: 'Monthly',
    name: 'Monthly executive',
    description:
      'Sent on the 1st: spend and its trend, reliability, what changed and what it saved.',
  },
];

export const DEFAULT_REPORT: ReportParam = 'daily';

/** A report from the address (`report=weekly`); anything else is no choice. */
export function parseReportParam(value: unknown): ReportParam | undefined {
  return REPORTS.find((r) => r.param === value)?.param;
}

export function reportPresentation(param: ReportParam): ReportPresentation {
  return REPORTS.find((r) => r.param === param) ?? DAILY;
}

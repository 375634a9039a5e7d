import type { BudgetStatus } from '../gql/graphql';
import { describeChangeError, type ApiError } from './apiErrors';
import { formatMoney, formatPercent } from './format';
import type { StatusTone } from './health';

/** The API's ceiling for a monthly budget, in USD. */
export const MAX_MONTHLY_USD = 100_000_000;

interface StatusPresentation {
  label: string;
  tone: StatusTone;
  /** The status in a sentence. */
  summary: string;
}

const STATUSES: Record<BudgetStatus, StatusPresentation> = {
  WITHIN: {
    label: 'Within budget',
    tone: 'ok',
    summary: 'Under its budget, and on pace to stay under it this month.',
  },
  FORECAST_TO_BREACH: {
    label: 'On pace to exceed',
    tone: 'warning',
    summary: 'Under its budget so far, but on pace to exceed it by the end of the month.',
  },
  BREACHED: {
    label: 'Over budget',
    tone: 'critical',
    summary: 'Its spend this month is already over its budget.',
  },
};

/** A budget's status as a badge's word and colour, and a sentence. */
export function budgetStatusPresentation(status: BudgetStatus): StatusPresentation {
  return (
    (STATUSES as Partial<Record<string, StatusPresentation>>)[status] ?? {
      label: status,
      tone: 'neutral',
      summary: 'A status this version does not know.',
    }
  );
}

export interface BudgetFigures {
  monthlyUsd: number;
  monthToDateUsd: number;
  forecastUsd: number;
}

/** Where a budget's bar draws its parts, each a share (0 to 1) of the bar's length. */
export interface BudgetBar {
  /** The spend so far. */
  spent: number;
  /** The forecast for the month (never short of the spend so far). */
  forecast: number;
  /** The budget itself: a mark on the bar. */
  limit: number;
}

/**
 * A budget as a bar: the spend so far, then the forecast for the month, against a mark at the
 * budget. The bar is as long as the largest of the three, so spend past the budget runs past its
 * mark rather than off the end.
 */
export function budgetBar({ monthlyUsd, monthToDateUsd, forecastUsd }: BudgetFigures): BudgetBar {
  const clean = (value: number): number => (Number.isFinite(value) && value > 0 ? value : 0);
  const spent = clean(monthToDateUsd);
  const forecast = Math.max(clean(forecastUsd), spent);
  const limit = clean(monthlyUsd);
  const length = Math.max(limit, forecast);
  if (length === 0) return { spent: 0, forecast: 0, limit: 0 };
  return { spent: spent / length, forecast: forecast / length, limit: limit / length };
}

/** A budget's month ("2026-12-01", its first day in UTC) as "December 2026". */
export function monthLabel(isoDate: string, locale = 'en-GB'): string {
  const date = new Date(`${isoDate}T00:00:00Z`);
  if (Number.isNaN(date.getTime())) return isoDate;
  return new Intl.DateTimeFormat(locale, {
    month: 'long',
    year: 'numeric',
    timeZone: 'UTC',
  }).format(date);
}

/** The bar in words, for screen readers and as its tooltip. */
export function budgetBarText(figures: BudgetFigures, currency = 'USD'): string {
  const money = (amount: number): string => formatMoney(amount, currency);
  const share = figures.monthlyUsd > 0 ? figures.monthToDateUsd / figures.monthlyUsd : null;
  return (
    `${money(figures.monthToDateUsd)} spent of a ${money(figures.monthlyUsd)} budget ` +
    `(${formatPercent(share)}); forecast ${money(figures.forecastUsd)} for the month`
  );
}

export type MonthlyUsdInput = { usd: number } | { error: string };

/** A monthly budget typed in dollars ("1500", "1,500", "$1,500.50"), checked as the API checks it. */
export function parseMonthlyUsd(text: string): MonthlyUsdInput {
  const trimmed = text.trim().replace(/^\$/, '').replace(/,/g, '').trim();
  if (trimmed === '') return { error: 'Enter the monthly budget in US dollars.' };
  const usd = Number(trimmed);
  if (!Number.isFinite(usd)) return { error: 'Enter a sum in US dollars, such as 1500.' };
  if (usd <= 0) return { error: 'The budget must be more than $0.' };
  if (usd > MAX_MONTHLY_USD) {
    return { error: `The budget can be at most ${formatMoney(MAX_MONTHLY_USD, 'USD')} a month.` };
  }
  return { usd: Math.round(usd * 100) / 100 };
}

/** A budget as the dollars a person would type: "1500", "99.5". */
export function monthlyUsdText(usd: number | null): string {
  if (usd === null) return '';
  return String(Math.round(usd * 100) / 100);
}

/** Why a budget was not changed, in words; the API's own message names what is missing. */
export function describeBudgetError(error: ApiError): { title: string; detail: string } {
  if (error.__typename === 'PermissionDenied') {
    return { title: 'You may not change this budget', detail: error.message };
  }
  if (error.__typename === 'NotFound') {
    return { title: 'Nothing of yours to budget there', detail: error.message };
  }
  return describeChangeError(error);
}

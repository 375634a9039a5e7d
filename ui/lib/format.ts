const MS_PER_SECOND = 1000;

/** A check's latency: milliseconds below a second, seconds with one decimal above; a dash when unmeasured. */
export function formatLatency(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms) || ms < 0) return '—';
  if (ms < 1) return '<1 ms';
  if (ms < MS_PER_SECOND) return `${String(Math.round(ms))} ms`;
  const seconds = ms / MS_PER_SECOND;
  return `${seconds.toFixed(seconds < 10 ? 1 : 0)} s`;
}

/** Wall-clock time of day, e.g. for "checked at". */
export function formatTimeOfDay(date: Date, locale?: string, timeZone?: string): string {
  return new Intl.DateTimeFormat(locale, {
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hour12: false,
    timeZone,
  }).format(date);
}

const SECONDS_PER_MINUTE = 60;
const SECONDS_PER_HOUR = 3600;
const SECONDS_PER_DAY = 86_400;

function isMissing(value: number | null | undefined): value is null | undefined {
  return value === null || value === undefined || !Number.isFinite(value);
}

function twoDigits(value: number): string {
  return String(value).padStart(2, '0');
}

/**
 * A duration in at most two units, the second padded so that columns of them line up: "45s",
 * "12m 05s", "1h 04m", "3d 04h"; a dash without one.
 */
export function formatDuration(seconds: number | null | undefined): string {
  if (isMissing(seconds) || seconds < 0) return '—';
  const whole = Math.round(seconds);
  if (whole < SECONDS_PER_MINUTE) return `${String(whole)}s`;
  if (whole < SECONDS_PER_HOUR) {
    const minutes = String(Math.floor(whole / SECONDS_PER_MINUTE));
    const rest = whole % SECONDS_PER_MINUTE;
    return rest === 0 ? `${minutes}m` : `${minutes}m ${twoDigits(rest)}s`;
  }
  if (whole < SECONDS_PER_DAY) {
    const hours = String(Math.floor(whole / SECONDS_PER_HOUR));
    return `${hours}h ${twoDigits(Math.floor((whole % SECONDS_PER_HOUR) / SECONDS_PER_MINUTE))}m`;
  }
  const days = String(Math.floor(whole / SECONDS_PER_DAY));
  return `${days}d ${twoDigits(Math.floor((whole % SECONDS_PER_DAY) / SECONDS_PER_HOUR))}h`;
}

/** Below this, cents still tell two sums apart; above, they are noise. */
const CENTS_BELOW = 100;

/** A sum of money with its currency: "$59,805", "€100", "$42.68"; a dash without one. */
export function formatMoney(
  amount: number | null | undefined,
  currency: string,
  locale = 'en-US',
): string {
  if (isMissing(amount)) return '—';
  const digits = Math.abs(amount) < CENTS_BELOW ? 2 : 0;
  return new Intl.NumberFormat(locale, {
    style: 'currency',
    currency,
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  }).format(amount);
}

/**
 * A share from 0 to 1 as a percentage with one decimal. A rate just short of 1 never reads "100%":
 * a job that failed once in a thousand runs is not flawless.
 */
export function formatPercent(share: number | null | undefined): string {
  if (isMissing(share)) return '—';
  const percent = share * 100;
  if (percent < 100 && Number(percent.toFixed(1)) === 100) return '>99.9%';
  if (percent > 0 && Number(percent.toFixed(1)) === 0) return '<0.1%';
  return `${Number.isInteger(percent) ? String(percent) : percent.toFixed(1)}%`;
}

/** A count with thousands separators. */
export function formatCount(count: number, locale = 'en-US'): string {
  return new Intl.NumberFormat(locale).format(count);
}

/** A ratio such as a duration regression: "1.8×"; a dash without one. */
export function formatRatio(ratio: number | null | undefined): string {
  if (isMissing(ratio) || ratio < 0) return '—';
  return `${ratio.toFixed(ratio < 10 ? 1 : 0)}×`;
}

/** How long ago something happened, coarsely: "just now", "5 min ago", "3 h ago", "2 d ago". */
export function formatTimeAgo(then: Date, now: Date): string {
  const seconds = Math.max(0, (now.getTime() - then.getTime()) / MS_PER_SECOND);
  if (seconds < SECONDS_PER_MINUTE) return 'just now';
  if (seconds < SECONDS_PER_HOUR)
    return `${String(Math.floor(seconds / SECONDS_PER_MINUTE))} min ago`;
  if (seconds < SECONDS_PER_DAY) return `${String(Math.floor(seconds / SECONDS_PER_HOUR))} h ago`;
  return `${String(Math.floor(seconds / SECONDS_PER_DAY))} d ago`;
}

/** A UTC calendar day ("2026-11-25", as the API sends it) as "25 Nov". */
export function formatDay(isoDate: string, locale = 'en-GB'): string {
  const date = new Date(`${isoDate}T00:00:00Z`);
  if (Number.isNaN(date.getTime())) return isoDate;
  return new Intl.DateTimeFormat(locale, {
    day: 'numeric',
    month: 'short',
    timeZone: 'UTC',
  }).format(date);
}

/** An instant as date and time of day in the viewer's zone, e.g. for a tooltip. */
export function formatDateTime(date: Date, locale?: string, timeZone?: string): string {
  return new Intl.DateTimeFormat(locale, {
    day: 'numeric',
    month: 'short',
    hour: '2-digit',
    minute: '2-digit',
    hour12: false,
    timeZone,
  }).format(date);
}

/**
 * An instant in UTC, for hover text beside the viewer's local time (the API's and Databricks' zone):
 * "2026-12-03 10:04 UTC".
 */
export function formatUtc(date: Date): string {
  return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

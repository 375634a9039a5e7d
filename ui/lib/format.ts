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

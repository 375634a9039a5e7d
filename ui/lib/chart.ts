/** One day of the overview's daily series, as the API sends it. */
export interface DailyCount {
  date: string;
  runs: number;
  failed: number;
}

export interface DailyBar extends DailyCount {
  /** Bar heights as shares of the chart's height, 0 to 1. */
  runsShare: number;
  failedShare: number;
}

// Multiples of a power of ten that make a round axis label without leaving the chart half empty.
const NICE_STEPS = [1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10];

/** A round top for the axis at or above `max` (at least 1), so the gridline label reads well. */
export function niceMax(max: number): number {
  if (!Number.isFinite(max) || max <= 1) return 1;
  const power = 10 ** Math.floor(Math.log10(max));
  const step = NICE_STEPS.find((s) => s * power >= max) ?? 10;
  return Math.ceil(step * power);
}

/** Bars for runs and, inside them, failed runs, scaled to a shared round top. */
export function dailyBars(days: readonly DailyCount[]): { top: number; bars: DailyBar[] } {
  const top = niceMax(Math.max(0, ...days.map((d) => d.runs)));
  return {
    top,
    bars: days.map((d) => ({ ...d, runsShare: d.runs / top, failedShare: d.failed / top })),
  };
}

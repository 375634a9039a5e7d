import type { Window } from '../gql/graphql';

/** The rolling windows the API offers, shortest first, as a person names them. */
export const WINDOWS: readonly { value: Window; label: string }[] = [
  { value: 'LAST_24_HOURS', label: 'Last 24 hours' },
  { value: 'LAST_7_DAYS', label: 'Last 7 days' },
  { value: 'LAST_30_DAYS', label: 'Last 30 days' },
  { value: 'LAST_90_DAYS', label: 'Last 90 days' },
  { value: 'LAST_365_DAYS', label: 'Last 365 days' },
];

/** The API's own default window. */
export const DEFAULT_WINDOW: Window = 'LAST_7_DAYS';

/** A window from an address's search parameters; anything else is no choice. */
export function parseWindow(value: unknown): Window | undefined {
  return WINDOWS.find((w) => w.value === value)?.value;
}

export function windowLabel(window: Window): string {
  return WINDOWS.find((w) => w.value === window)?.label ?? window;
}

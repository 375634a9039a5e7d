import type { JobOrder } from '../gql/graphql';

/** The orders the jobs page offers, each with the direction a person expects. */
export const JOB_ORDERS = [
  { value: 'name', label: 'Name', orderBy: { field: 'NAME', direction: 'ASC' } },
  { value: 'failures', label: 'Most failures', orderBy: { field: 'FAILURES', direction: 'DESC' } },
  {
    value: 'success-rate',
    label: 'Lowest success rate',
    orderBy: { field: 'SUCCESS_RATE', direction: 'ASC' },
  },
  {
    value: 'regression',
    label: 'Largest duration regression',
    orderBy: { field: 'DURATION_REGRESSION', direction: 'DESC' },
  },
  { value: 'last-run', label: 'Latest run', orderBy: { field: 'LAST_RUN', direction: 'DESC' } },
] as const satisfies readonly { value: string; label: string; orderBy: JobOrder }[];

export type JobOrderKey = (typeof JOB_ORDERS)[number]['value'];

export const DEFAULT_JOB_ORDER: JobOrderKey = 'name';

export function parseJobOrder(value: unknown): JobOrderKey | undefined {
  return JOB_ORDERS.find((o) => o.value === value)?.value;
}

export function jobOrderBy(key: JobOrderKey): JobOrder {
  return JOB_ORDERS.find((o) => o.value === key)?.orderBy ?? JOB_ORDERS[0].orderBy;
}

/**
 * The API's name pattern for what a person typed. The API matches whole names, so text without
 * wildcards matches anywhere in the name ("sales" → "*sales*"); with `*` or `?` it is taken as
 * written. Blank means no filter.
 */
export function namePatternFor(search: string): string | null {
  const text = search.trim();
  if (text === '') return null;
  return /[*?]/.test(text) ? text : `*${text}*`;
}

/** Search text from an address's search parameters (the router reads `?q=2024` as a number). */
export function parseSearchText(value: unknown): string | undefined {
  const text = typeof value === 'number' ? String(value) : value;
  return typeof text === 'string' && text.trim() !== '' ? text.trim() : undefined;
}

/**
 * Cursor pagination going back as well as forward: the API only pages forward (`after`), so the
 * cursors that led to each page are kept; the first page has none.
 */
export interface PageTrail {
  /** `after` of each page visited before the current one, oldest first. */
  readonly previous: readonly (string | null)[];
  readonly current: string | null;
}

export const FIRST_PAGE: PageTrail = { previous: [], current: null };

export function nextPage(trail: PageTrail, endCursor: string): PageTrail {
  return { previous: [...trail.previous, trail.current], current: endCursor };
}

export function previousPage(trail: PageTrail): PageTrail {
  if (trail.previous.length === 0) return trail;
  return { previous: trail.previous.slice(0, -1), current: trail.previous.at(-1) ?? null };
}

/** Which page a trail is on, from 1. */
export function pageNumber(trail: PageTrail): number {
  return trail.previous.length + 1;
}

import type { DisplayTone } from './health';

/** An `Error` the API returned as data (the `…Result` unions); `state` only on WarehouseUnavailable. */
export interface ApiError {
  __typename: string;
  message: string;
  code: string;
  state?: string;
}

export interface ErrorPresentation {
  tone: DisplayTone;
  title: string;
  /** The service's own words, when they add to the title. */
  detail: string | null;
}

function warehouseState(state: string | undefined): string {
  return (state ?? 'unavailable').toLowerCase().replace(/_/g, ' ');
}

/** What a person is told about an API error: amber for a warehouse warming up, red otherwise. */
export function describeApiError(error: ApiError): ErrorPresentation {
  switch (error.__typename) {
    case 'WarehouseUnavailable':
      return {
        tone: 'warning',
        title: `The SQL warehouse is ${warehouseState(error.state)} — warming up`,
        detail:
          'Job history will appear as soon as it is running; this page tries again by itself.',
      };
    case 'UpstreamUnavailable':
      return {
        tone: 'warning',
        title: 'Databricks is not answering right now',
        detail: error.message,
      };
    case 'Unauthenticated':
      return {
        tone: 'critical',
        title: 'You are not signed in',
        detail: error.message,
      };
    case 'NotFound':
      return { tone: 'neutral', title: 'Not found', detail: error.message };
    case 'InvalidFilter':
      return {
        tone: 'critical',
        title: 'Job Monitor cannot use this filter',
        detail: error.message,
      };
    case 'LimitExceeded':
      return {
        tone: 'critical',
        title: 'That asks for more than Job Monitor answers at once',
        detail: error.message,
      };
    default:
      return { tone: 'critical', title: error.message, detail: null };
  }
}

/** While history is warming up or Databricks throttles, ask again this often. */
export const TRANSIENT_RETRY_MS = 5_000;

/** The refetch interval for a result: only transient errors are worth asking again soon. */
export function retryIntervalFor(result: { __typename: string } | undefined): number | false {
  return result !== undefined &&
    (result.__typename === 'WarehouseUnavailable' || result.__typename === 'UpstreamUnavailable')
    ? TRANSIENT_RETRY_MS
    : false;
}

const CHANGE_TITLES: Partial<Record<string, string>> = {
  StateWriteFailed: 'Not saved',
  PermissionDenied: 'Not allowed',
  NotFound: 'Not found',
  InvalidFilter: 'Not accepted',
  WarehouseUnavailable: 'The SQL warehouse is not running',
  WarehouseQueryFailed: 'The SQL warehouse failed',
  UpstreamUnavailable: 'Databricks is not answering right now',
  Unauthenticated: 'You are not signed in',
  LimitExceeded: 'Too much at once',
};

/**
 * Why a change (a mutation) was not made, in words: a short title for its kind and the API's own
 * message, which says what happened and whether anything was kept. Nothing asks again by itself.
 */
export function describeChangeError(error: ApiError): { title: string; detail: string } {
  return { title: CHANGE_TITLES[error.__typename] ?? 'Not done', detail: error.message };
}

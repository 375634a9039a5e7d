import { describe, expect, it } from 'vitest';

import {
  describeApiError,
  describeChangeError,
  retryIntervalFor,
  TRANSIENT_RETRY_MS,
} from './apiErrors';

describe('describeApiError', () => {
  it('shows a warehouse that is not running as amber and warming up', () => {
    // given the API's answer while the SQL warehouse starts
    const error = {
      __typename: 'WarehouseUnavailable',
      message: 'The SQL warehouse is STARTING.',
      code: 'WAREHOUSE_UNAVAILABLE',
      state: 'STARTING',
    };

    // when it is presented
    const shown = describeApiError(error);

    // then it reads as a wait, not a failure
    expect(shown.title).toBe('The SQL warehouse is starting — warming up');
    expect(shown.tone).toBe('warning');
  });

  it('shows other errors in red with the service message', () => {
    const shown = describeApiError({
      __typename: 'InvalidFilter',
      message: 'namePattern: too long',
      code: 'INVALID_FILTER',
    });

    expect(shown).toEqual({
      tone: 'critical',
      title: 'Job Monitor cannot use this filter',
      detail: 'namePattern: too long',
    });
  });

  it('shows an error type it does not know by its message', () => {
    const shown = describeApiError({ __typename: 'Gone', message: 'It left.', code: 'GONE' });

    expect(shown.title).toBe('It left.');
    expect(shown.tone).toBe('critical');
  });
});

describe('retryIntervalFor', () => {
  it('asks again soon only after a transient error', () => {
    expect(retryIntervalFor({ __typename: 'WarehouseUnavailable' })).toBe(TRANSIENT_RETRY_MS);
    expect(retryIntervalFor({ __typename: 'UpstreamUnavailable' })).toBe(TRANSIENT_RETRY_MS);
    expect(retryIntervalFor({ __typename: 'Overview' })).toBe(false);
    expect(retryIntervalFor(undefined)).toBe(false);
  });
});

describe('describeChangeError', () => {
  it('names the kind of failure and keeps the API’s message, which says what was kept', () => {
    expect(
      describeChangeError({
        __typename: 'StateWriteFailed',
        code: 'STATE_WRITE_FAILED',
        message: 'Nothing was changed; try again.',
      }),
    ).toEqual({ title: 'Not saved', detail: 'Nothing was changed; try again.' });
    expect(describeChangeError({ __typename: 'Gone', code: 'GONE', message: 'It left.' })).toEqual({
      title: 'Not done',
      detail: 'It left.',
    });
  });
});

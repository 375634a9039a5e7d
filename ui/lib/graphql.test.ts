import { describe, expect, it } from 'vitest';

import { GraphQLRequestError, operationName, readGraphQLResponse } from './graphql';

function failure(read: () => unknown): GraphQLRequestError {
  try {
    read();
  } catch (error) {
    if (error instanceof GraphQLRequestError) return error;
    throw error;
  }
  throw new Error('expected a GraphQLRequestError');
}

describe('operationName', () => {
  it('finds the name of a named operation', () => {
    expect(operationName('\n  query CurrentViewer {\n viewer { __typename } }')).toBe(
      'CurrentViewer',
    );
  });

  it('is null for an anonymous query', () => {
    expect(operationName('{ health { status } }')).toBeNull();
  });
});

describe('readGraphQLResponse', () => {
  it('returns the data of a successful response', () => {
    // given a successful response
    const body = { data: { health: { status: 'OK' } } };

    // when it is read
    const data = readGraphQLResponse(200, body, 'req-1');

    // then the data comes back as is
    expect(data).toEqual({ health: { status: 'OK' } });
  });

  it('fails with every error message and the request id of the response', () => {
    // given a response with two errors
    const body = {
      data: null,
      errors: [{ message: 'Query too deep.' }, { message: 'Too many aliases.' }],
    };

    // when it is read
    const error = failure(() => readGraphQLResponse(400, body, 'req-2'));

    // then both messages, the HTTP status and the request id are kept
    expect(error.message).toBe('Query too deep. Too many aliases.');
    expect(error.status).toBe(400);
    expect(error.requestId).toBe('req-2');
  });

  it('takes the request id from a masked error when the header is missing', () => {
    const body = {
      data: null,
      errors: [{ message: 'Unexpected error.', extensions: { requestId: 'abc' } }],
    };

    expect(failure(() => readGraphQLResponse(200, body, null)).requestId).toBe('abc');
  });

  it('fails clearly when the body is not a GraphQL result', () => {
    // given a proxy error page that was not JSON
    const error = failure(() => readGraphQLResponse(502, null, null));

    // then the status is named
    expect(error.message).toContain('HTTP 502');
    expect(error.status).toBe(502);
  });

  describe('partial answers', () => {
    const upstream = {
      message: 'The Databricks Jobs API is failing; try again shortly.',
      path: ['overview', 'activeNow'],
      extensions: { code: 'UPSTREAM_FAILING' },
    };
    const data = { overview: { runs: 12, activeNow: null } };

    it('returns the data when the page takes partial answers and every error is a typed field error', () => {
      // given an overview whose live count failed alone, with a typed error at its path
      const body = { data, errors: [upstream] };

      // when a page that takes partial answers reads it
      const read = readGraphQLResponse(200, body, 'req-3', true);

      // then it gets the data, the failed field null
      expect(read).toEqual(data);
    });

    it('still fails a page that does not take partial answers', () => {
      const body = { data, errors: [upstream] };

      expect(failure(() => readGraphQLResponse(200, body, 'req-4')).message).toBe(upstream.message);
    });

    it('still fails on a masked error or an error without a path', () => {
      // given partial data with a masked error, and with a typed error of no field
      const masked = {
        message: 'Unexpected error.',
        path: ['overview', 'activeNow'],
        extensions: { code: 'INTERNAL_SERVER_ERROR', requestId: 'abc' },
      };
      const documentError = { message: 'Too deep.', extensions: { code: 'MAX_DEPTH_EXCEEDED' } };

      // then neither is taken as a partial answer
      expect(
        failure(() => readGraphQLResponse(200, { data, errors: [upstream, masked] }, null, true))
          .requestId,
      ).toBe('abc');
      expect(
        failure(() => readGraphQLResponse(200, { data, errors: [documentError] }, null, true))
          .message,
      ).toBe('Too deep.');
    });
  });

  it('fails when a response has neither data nor errors', () => {
    expect(failure(() => readGraphQLResponse(200, {}, null)).message).toBe(
      'The service sent no data.',
    );
  });
});

import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';

import { ACCESS_TOKEN_HEADER } from './localUsers';

export const GRAPHQL_ENDPOINT = '/api/graphql';

/** A generated document: the query text, typed with its result and variables. */
export interface TypedQuery<TResult, TVariables> extends DocumentTypeDecoration<
  TResult,
  TVariables
> {
  toString(): string;
}

/** A request that produced no usable result; `requestId` lets a person quote it to whoever runs the app. */
export class GraphQLRequestError extends Error {
  override readonly name = 'GraphQLRequestError';

  constructor(
    message: string,
    readonly status: number,
    readonly requestId: string | null,
  ) {
    super(message);
  }
}

export function operationName(query: string): string | null {
  return /\b(?:query|mutation|subscription)\s+([_A-Za-z][_0-9A-Za-z]*)/.exec(query)?.[1] ?? null;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function requestIdOf(error: unknown): string | null {
  if (!isRecord(error) || !isRecord(error.extensions)) return null;
  const id = error.extensions.requestId ?? error.extensions.request_id;
  return typeof id === 'string' ? id : null;
}

/** The code the service gives unexpected (masked) errors. */
const INTERNAL_ERROR_CODE = 'INTERNAL_SERVER_ERROR';

/** An expected failure of one field: it has a path, and a code other than the masked one. */
function isTypedFieldError(error: unknown): boolean {
  if (!isRecord(error) || !Array.isArray(error.path) || !isRecord(error.extensions)) return false;
  const code = error.extensions.code;
  return typeof code === 'string' && code !== INTERNAL_ERROR_CODE;
}

/**
 * The `data` of a GraphQL-over-HTTP response, or a `GraphQLRequestError` saying why there is none.
 * Any error fails the whole request: the pages ask for what they show, so a partial answer is not one
 * — unless the page takes `partial` answers: then data whose only errors are typed field errors comes
 * back, those fields null (the schema makes them nullable, so their types say so).
 */
export function readGraphQLResponse(
  status: number,
  body: unknown,
  requestIdHeader: string | null,
  partial = false,
): Record<string, unknown> {
  if (!isRecord(body)) {
    throw new GraphQLRequestError(
      `The service answered with HTTP ${String(status)} instead of a GraphQL result.`,
      status,
      requestIdHeader,
    );
  }
  const errors = Array.isArray(body.errors) ? (body.errors as unknown[]) : [];
  if (partial && isRecord(body.data) && errors.every(isTypedFieldError)) {
    return body.data;
  }
  if (errors.length > 0) {
    const messages = errors.map((e) =>
      isRecord(e) && typeof e.message === 'string' ? e.message : 'Unknown error',
    );
    const requestId = requestIdHeader ?? errors.map(requestIdOf).find((id) => id !== null) ?? null;
    throw new GraphQLRequestError(messages.join(' '), status, requestId);
  }
  if (!isRecord(body.data)) {
    throw new GraphQLRequestError('The service sent no data.', status, requestIdHeader);
  }
  return body.data;
}

export interface ExecuteOptions {
  /** Sent as `X-Forwarded-Access-Token`; only the local user chooser sets it. */
  accessToken: string | null;
  signal?: AbortSignal;
  /** Take an answer whose only errors are typed field errors (those fields are null). */
  partial?: boolean;
}

export async function executeGraphQL<TResult, TVariables>(
  document: TypedQuery<TResult, TVariables>,
  variables: TVariables,
  { accessToken, signal, partial = false }: ExecuteOptions,
): Promise<TResult> {
  const query = document.toString();
  const headers: Record<string, string> = {
    'Content-Type': 'application/json',
    Accept: 'application/graphql-response+json, application/json',
  };
  if (accessToken !== null) headers[ACCESS_TOKEN_HEADER] = accessToken;

  let response: Response;
  try {
    response = await fetch(GRAPHQL_ENDPOINT, {
      method: 'POST',
      headers,
      body: JSON.stringify({ query, operationName: operationName(query), variables }),
      signal,
    });
  } catch (error) {
    if (signal?.aborted === true) throw error;
    throw new GraphQLRequestError('Could not reach the Job Monitor service.', 0, null);
  }
  const body: unknown = await response.json().catch(() => null);
  const data = readGraphQLResponse(
    response.status,
    body,
    response.headers.get('X-Request-Id'),
    partial,
  );
  // The shape is the generated document's: the server validated the query against the same schema.
  return data as TResult;
}

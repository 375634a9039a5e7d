import { useQuery, type UseQueryResult } from '@tanstack/react-query';

import { executeGraphQL, operationName, type TypedQuery } from '../lib/graphql';
import { localUserToken } from '../lib/localUsers';
import { useLocalUser } from './localUser';

interface QueryOptions<TResult> {
  /** A fixed interval, or one chosen from the latest answer (e.g. only while a warehouse starts). */
  refetchInterval?: number | ((data: TResult | undefined) => number | false);
  /** Keep showing the previous answer while another page loads (never another user's). */
  keepPreviousData?: boolean;
  /** Show an answer whose only errors are typed field errors, those fields null (see `readGraphQLResponse`). */
  partial?: boolean;
}

/**
 * Runs a generated document as the current person. The chosen local user is part of the cache key, so
 * switching users never shows one person's answer to another.
 */
export function useGraphQLQuery<TResult, TVariables>(
  document: TypedQuery<TResult, TVariables>,
  variables: TVariables,
  { refetchInterval, keepPreviousData = false, partial = false }: QueryOptions<TResult> = {},
): UseQueryResult<TResult> {
  const localUser = useLocalUser();
  return useQuery({
    queryKey: ['graphql', operationName(document.toString()), variables, localUser],
    queryFn: ({ signal }) =>
      executeGraphQL(document, variables, {
        accessToken: localUser === null ? null : localUserToken(localUser),
        signal,
        partial,
      }),
    refetchInterval:
      typeof refetchInterval === 'function'
        ? (query) => refetchInterval(query.state.data)
        : refetchInterval,
    placeholderData: keepPreviousData
      ? (previous, previousQuery) =>
          previousQuery?.queryKey[3] === localUser ? previous : undefined
      : undefined,
  });
}

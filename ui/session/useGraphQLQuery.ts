import { useQuery, type UseQueryResult } from '@tanstack/react-query';

import { executeGraphQL, operationName, type TypedQuery } from '../lib/graphql';
import { localUserToken } from '../lib/localUsers';
import { useLocalUser } from './localUser';

interface QueryOptions {
  refetchInterval?: number;
}

/**
 * Runs a generated document as the current person. The chosen local user is part of the cache key, so
 * switching users never shows one person's answer to another.
 */
export function useGraphQLQuery<TResult, TVariables>(
  document: TypedQuery<TResult, TVariables>,
  variables: TVariables,
  options: QueryOptions = {},
): UseQueryResult<TResult> {
  const localUser = useLocalUser();
  return useQuery({
    queryKey: ['graphql', operationName(document.toString()), variables, localUser],
    queryFn: ({ signal }) =>
      executeGraphQL(document, variables, {
        accessToken: localUser === null ? null : localUserToken(localUser),
        signal,
      }),
    ...options,
  });
}

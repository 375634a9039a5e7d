import { useInfiniteQuery } from '@tanstack/react-query';

import { AlertsDocument, type AlertFilter, type AlertsQuery } from '../../gql/graphql';
import { retryIntervalFor, type ApiError } from '../../lib/apiErrors';
import { executeGraphQL } from '../../lib/graphql';
import { localUserToken } from '../../lib/localUsers';
import { useLocalUser } from '../../session/localUser';

type AlertConnection = Extract<AlertsQuery['alerts'], { __typename: 'AlertConnection' }>;
export type AlertRow = AlertConnection['nodes'][number];

/** Alerts per request: the API's ceiling. */
export const ALERTS_PAGE_SIZE = 100;

/** Alerts change as runs finish: the list is read again this often while it is open. */
export const ALERTS_REFRESH_MS = 60_000;

/** An error the API returned as data; thrown so that a failed next page can simply be asked again. */
export class AlertsApiError extends Error {
  override readonly name = 'AlertsApiError';

  constructor(readonly apiError: ApiError) {
    super(apiError.message);
  }
}

/**
 * The viewer's alerts matching `filter`, `ALERTS_PAGE_SIZE` at a time (`fetchNextPage` for more),
 * as the current person: the chosen local user is part of the key, as in `useGraphQLQuery`.
 */
export function useAlertPages(filter: AlertFilter) {
  const localUser = useLocalUser();
  return useInfiniteQuery({
    queryKey: ['graphql', 'Alerts', filter, localUser],
    queryFn: async ({ pageParam, signal }) => {
      const data = await executeGraphQL(
        AlertsDocument,
        { filter, first: ALERTS_PAGE_SIZE, after: pageParam },
        { accessToken: localUser === null ? null : localUserToken(localUser), signal },
      );
      if (data.alerts.__typename !== 'AlertConnection') throw new AlertsApiError(data.alerts);
      return data.alerts;
    },
    initialPageParam: null as string | null,
    getNextPageParam: (page) => (page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null),
    refetchInterval: (query) =>
      query.state.error instanceof AlertsApiError
        ? retryIntervalFor(query.state.error.apiError) || ALERTS_REFRESH_MS
        : ALERTS_REFRESH_MS,
  });
}

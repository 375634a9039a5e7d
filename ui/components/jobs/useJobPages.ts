import { useInfiniteQuery } from '@tanstack/react-query';

import { JobsDocument, type JobsQuery, type JobsQueryVariables } from '../../gql/graphql';
import { retryIntervalFor, type ApiError } from '../../lib/apiErrors';
import { executeGraphQL } from '../../lib/graphql';
import { localUserToken } from '../../lib/localUsers';
import { useLocalUser } from '../../session/localUser';

type JobConnection = Extract<JobsQuery['jobs'], { __typename: 'JobConnection' }>;
export type JobRow = JobConnection['nodes'][number];

/** Rows per request: a screenful several times over, and one request of a few statements. */
const JOBS_PAGE_SIZE = 100;

/** An error the API returned as data; thrown so that a failed next page can simply be asked again. */
export class JobsApiError extends Error {
  override readonly name = 'JobsApiError';

  constructor(readonly apiError: ApiError) {
    super(apiError.message);
  }
}

/**
 * The viewer's jobs, a page of `JOBS_PAGE_SIZE` at a time (`fetchNextPage` as the table scrolls),
 * as the current person: the chosen local user is part of the key, as in `useGraphQLQuery`.
 */
export function useJobPages(variables: Omit<JobsQueryVariables, 'first' | 'after'>) {
  const localUser = useLocalUser();
  return useInfiniteQuery({
    queryKey: ['graphql', 'Jobs', variables, localUser],
    queryFn: async ({ pageParam, signal }) => {
      const data = await executeGraphQL(
        JobsDocument,
        { ...variables, first: JOBS_PAGE_SIZE, after: pageParam },
        { accessToken: localUser === null ? null : localUserToken(localUser), signal },
      );
      if (data.jobs.__typename !== 'JobConnection') throw new JobsApiError(data.jobs);
      return data.jobs;
    },
    initialPageParam: null as string | null,
    getNextPageParam: (page) => (page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null),
    // A refetch of an infinite query asks again for every page loaded (a hundred at 10,000 jobs), so
    // nothing refetches by itself but a first page the warehouse could not answer yet; and a list
    // left behind is dropped, so coming back loads one page, not all that were scrolled through.
    refetchOnWindowFocus: false,
    refetchOnReconnect: false,
    gcTime: 0,
    refetchInterval: (query) =>
      query.state.error instanceof JobsApiError
        ? retryIntervalFor(query.state.error.apiError)
        : false,
  });
}

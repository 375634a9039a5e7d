import type { UseQueryResult } from '@tanstack/react-query';
import type { ReactNode } from 'react';

import type { ApiError } from '../../lib/apiErrors';
import { ApiErrorAlert } from '../ApiErrorAlert';
import { Card } from '../kit/Card';
import { Skeleton } from '../kit/Skeleton';
import { QueryError } from '../QueryError';

type JobAnswer = { __typename: 'Job' } | ApiError;

function isJob<T extends JobAnswer>(answer: T): answer is Extract<T, { __typename: 'Job' }> {
  return answer.__typename === 'Job';
}

interface JobCardQueryProps<T extends JobAnswer> {
  query: UseQueryResult<{ job: T }>;
  title: string;
  description: string;
  /** What loads or failed to, in the user's words: "the job’s budget". */
  what: string;
  /** Skeleton lines while it loads. */
  lines: number;
  /** The card once its job is there. */
  children: (job: Extract<T, { __typename: 'Job' }>) => ReactNode;
}

/**
 * A card about one job, from its own query: a skeleton while it loads, a failed request with a retry,
 * or the API's typed error, each in the card; then the card its job makes.
 */
export function JobCardQuery<T extends JobAnswer>({
  query,
  title,
  description,
  what,
  lines,
  children,
}: JobCardQueryProps<T>) {
  if (query.isPending) {
    return (
      <Card title={title} description={description} busy>
        <Skeleton label={`Loading ${what}`} lines={lines} />
      </Card>
    );
  }
  if (query.isError) {
    return (
      <Card title={title} description={description}>
        <QueryError
          what={what}
          error={query.error}
          retrying={query.isFetching}
          onRetry={() => void query.refetch()}
        />
      </Card>
    );
  }
  const job = query.data.job;
  if (!isJob(job)) {
    return (
      <Card title={title} description={description}>
        <ApiErrorAlert error={job as ApiError} />
      </Card>
    );
  }
  return children(job);
}

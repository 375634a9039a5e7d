import { GraphQLRequestError } from '../lib/graphql';
import { Alert } from './kit/Alert';
import { Button } from './kit/Button';

interface QueryErrorProps {
  /** What could not be loaded, e.g. "service health". */
  what: string;
  error: Error;
  retrying: boolean;
  onRetry: () => void;
}

/** A failed request: what failed, why, the request id to quote, and a way to try again. */
export function QueryError({ what, error, retrying, onRetry }: QueryErrorProps) {
  const requestId = error instanceof GraphQLRequestError ? error.requestId : null;
  return (
    <Alert
      tone="critical"
      title={`Could not load ${what}`}
      action={
        <Button icon="refresh" busy={retrying} disabled={retrying} onClick={onRetry}>
          Try again
        </Button>
      }
    >
      <p>{error.message}</p>
      {requestId !== null && (
        <p>
          Request id: <code>{requestId}</code>
        </p>
      )}
    </Alert>
  );
}

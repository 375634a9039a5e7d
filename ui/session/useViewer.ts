import { CurrentViewerDocument } from '../gql/graphql';
import { useGraphQLQuery } from './useGraphQLQuery';

/** The calling person; the sidebar and the dashboard share one request through the query cache. */
export function useViewer() {
  return useGraphQLQuery(CurrentViewerDocument, {});
}

import { useMutation, useQueryClient } from '@tanstack/react-query';

import {
  AcknowledgeAlertDocument,
  AlertCountDocument,
  AlertsDocument,
  UnacknowledgeAlertDocument,
  type AcknowledgeAlertMutation,
  type UnacknowledgeAlertMutation,
} from '../../gql/graphql';
import { executeGraphQL, operationName } from '../../lib/graphql';
import { localUserToken } from '../../lib/localUsers';
import { useLocalUser } from '../../session/localUser';

/** The queries an acknowledgement changes: the list and the sidebar's count. */
export const ALERT_QUERIES = [AlertsDocument, AlertCountDocument].map((document) =>
  operationName(document.toString()),
);

export type AlertChangeResult =
  AcknowledgeAlertMutation['acknowledgeAlert'] | UnacknowledgeAlertMutation['unacknowledgeAlert'];

/**
 * Acknowledges an alert until a time (`until`), or takes its acknowledgement back (null).
 * `onDone` hears of a change that was made before the list is read again, which may take the alert
 * (and whoever asked) off the page.
 */
export function useAlertChange(alertId: string, onDone?: (until: Date | null) => void) {
  const localUser = useLocalUser();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (until: Date | null): Promise<AlertChangeResult> => {
      const options = { accessToken: localUser === null ? null : localUserToken(localUser) };
      if (until === null) {
        return (await executeGraphQL(UnacknowledgeAlertDocument, { id: alertId }, options))
          .unacknowledgeAlert;
      }
      return (
        await executeGraphQL(
          AcknowledgeAlertDocument,
          { id: alertId, until: until.toISOString() },
          options,
        )
      ).acknowledgeAlert;
    },
    onSuccess: async (result, until) => {
      if (result.__typename !== 'AlertAcknowledged' && result.__typename !== 'AlertUnacknowledged')
        return;
      onDone?.(until);
      await Promise.all(
        ALERT_QUERIES.map((name) => queryClient.invalidateQueries({ queryKey: ['graphql', name] })),
      );
    },
  });
}

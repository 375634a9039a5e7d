import { useMutation, useQueryClient } from '@tanstack/react-query';

import {
  AlertCountDocument,
  AlertsDocument,
  BudgetsDocument,
  ClearBudgetDocument,
  JobBudgetDocument,
  SetBudgetDocument,
  type BudgetScopeInput,
  type ClearBudgetMutation,
  type SetBudgetMutation,
} from '../../gql/graphql';
import { executeGraphQL, operationName } from '../../lib/graphql';
import { localUserToken } from '../../lib/localUsers';
import { useLocalUser } from '../../session/localUser';

/** What a budget changes: the budgets shown, and the alerts of budgets spent or on pace to be. */
const BUDGET_QUERIES = [JobBudgetDocument, BudgetsDocument, AlertsDocument, AlertCountDocument].map(
  (document) => operationName(document.toString()),
);

export type BudgetChangeResult =
  SetBudgetMutation['setBudget'] | ClearBudgetMutation['clearBudget'];

export function budgetChanged(result: BudgetChangeResult): boolean {
  return result.__typename === 'BudgetSet' || result.__typename === 'BudgetCleared';
}

/** Sets a scope's monthly budget (a sum of dollars) or clears it (null), as the current person. */
export function useBudgetChange(scope: BudgetScopeInput) {
  const localUser = useLocalUser();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (monthlyUsd: number | null): Promise<BudgetChangeResult> => {
      const options = { accessToken: localUser === null ? null : localUserToken(localUser) };
      if (monthlyUsd === null) {
        return (await executeGraphQL(ClearBudgetDocument, { scope }, options)).clearBudget;
      }
      return (await executeGraphQL(SetBudgetDocument, { scope, monthlyUsd }, options)).setBudget;
    },
    onSuccess: async (result) => {
      if (!budgetChanged(result)) return;
      await Promise.all(
        BUDGET_QUERIES.map((name) =>
          queryClient.invalidateQueries({ queryKey: ['graphql', name] }),
        ),
      );
    },
  });
}

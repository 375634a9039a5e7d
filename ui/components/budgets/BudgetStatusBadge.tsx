import type { BudgetStatus } from '../../gql/graphql';
import { budgetStatusPresentation } from '../../lib/budgets';
import { Badge } from '../kit/Badge';
import { STATUS_ICONS } from '../kit/statusIcons';

/** A budget's status as colour, icon and words, the sentence behind it on hover. */
export function BudgetStatusBadge({ status }: { status: BudgetStatus }) {
  const { label, tone, summary } = budgetStatusPresentation(status);
  return (
    <span title={summary}>
      <Badge tone={tone} icon={STATUS_ICONS[tone]}>
        {label}
      </Badge>
    </span>
  );
}

import { JobBudgetDocument, type BudgetFieldsFragment } from '../../gql/graphql';
import { retryIntervalFor } from '../../lib/apiErrors';
import { monthLabel } from '../../lib/budgets';
import { formatMoney, formatPercent } from '../../lib/format';
import { useGraphQLQuery } from '../../session/useGraphQLQuery';
import { Figures, type Figure } from '../job/Figures';
import { JobCardQuery } from '../job/JobCardQuery';
import { Card } from '../kit/Card';
import { Timestamp } from '../running/Timestamp';
import { BudgetBar } from './BudgetBar';
import { BudgetForm } from './BudgetForm';
import styles from './Budgets.module.css';
import { BudgetStatusBadge } from './BudgetStatusBadge';

const TITLE = 'Budget';
const DESCRIPTION =
  'Its list-price spend this calendar month (UTC) against a monthly limit, and where the month is heading at its pace.';
const WHO_MAY = 'Admins and holders of CAN_MANAGE on the job may change it.';

function figures(budget: BudgetFieldsFragment): Figure[] {
  const money = (amount: number): string => formatMoney(amount, 'USD');
  return [
    {
      label: 'Spent so far',
      value: money(budget.monthToDateUsd),
      note: `${formatPercent(budget.usedShare)} of the budget for ${monthLabel(budget.month)}`,
      emphasis: budget.status === 'BREACHED' ? 'alarm' : undefined,
    },
    {
      label: 'Forecast',
      value: money(budget.forecastUsd),
      note: 'for the month, at its pace so far',
      emphasis:
        budget.forecastUsd > budget.monthlyUsd
          ? budget.status === 'BREACHED'
            ? 'alarm'
            : 'caution'
          : undefined,
    },
    { label: 'Budget', value: money(budget.monthlyUsd), note: 'a month' },
  ];
}

function BudgetDetails({ budget }: { budget: BudgetFieldsFragment }) {
  return (
    <div className={styles.details}>
      <Figures figures={figures(budget)} />
      <BudgetBar budget={budget} legend />
      <p className={styles.facts}>
        Set by {budget.setBy}, <Timestamp value={budget.setAt} />. Spend measured through{' '}
        <Timestamp value={budget.measuredThrough} />; billing lands within hours.
      </p>
    </div>
  );
}

/** The job's monthly budget against this month's spend, and a form to set, change or clear it. */
export function JobBudgetCard({ jobId }: { jobId: string }) {
  const query = useGraphQLQuery(
    JobBudgetDocument,
    { jobId },
    { refetchInterval: (data) => retryIntervalFor(data?.job) },
  );
  return (
    <JobCardQuery
      query={query}
      title={TITLE}
      description={DESCRIPTION}
      what="the job’s budget"
      lines={3}
    >
      {(job) => <JobBudget jobId={jobId} budget={job.budget} />}
    </JobCardQuery>
  );
}

function JobBudget({ jobId, budget }: { jobId: string; budget: BudgetFieldsFragment | null }) {
  return (
    <Card
      title={TITLE}
      description={DESCRIPTION}
      actions={budget === null ? undefined : <BudgetStatusBadge status={budget.status} />}
    >
      <div className={styles.jobBudget}>
        {budget === null ? (
          <p className={styles.none}>
            No budget. With one, Job Monitor raises an alert when the job’s spend this month passes
            it, or is on pace to.
          </p>
        ) : (
          <BudgetDetails budget={budget} />
        )}
        <BudgetForm
          scope={{ jobId, team: null }}
          monthlyUsd={budget?.monthlyUsd ?? null}
          label="Change the job’s budget"
          hint={WHO_MAY}
        />
      </div>
    </Card>
  );
}

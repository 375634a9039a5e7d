import { Link } from '@tanstack/react-router';
import { useState } from 'react';

import {
  BudgetJobNameDocument,
  BudgetsDocument,
  type BudgetFieldsFragment,
} from '../../gql/graphql';
import { retryIntervalFor } from '../../lib/apiErrors';
import { describeBudgetError, monthLabel } from '../../lib/budgets';
import { formatCount, formatMoney, formatPercent } from '../../lib/format';
import { shortUserName } from '../../lib/viewer';
import { useGraphQLQuery } from '../../session/useGraphQLQuery';
import { ApiErrorAlert } from '../ApiErrorAlert';
import { EmptyState } from '../EmptyState';
import { Button } from '../kit/Button';
import { Card } from '../kit/Card';
import { Icon } from '../kit/Icon';
import tables from '../kit/DataTable.module.css';
import { Skeleton } from '../kit/Skeleton';
import { TextField } from '../kit/TextField';
import { QueryError } from '../QueryError';
import { Timestamp } from '../running/Timestamp';
import { BudgetBar } from './BudgetBar';
import { BudgetForm } from './BudgetForm';
import styles from './Budgets.module.css';
import { BudgetStatusBadge } from './BudgetStatusBadge';
import { useBudgetChange } from './useBudgetChange';

const TITLE = 'Budgets';
const DESCRIPTION =
  'Monthly list-price limits of your jobs and teams against this calendar month (UTC) so far, whatever the filter bar says.';

/** A job budget's job, by name once it is read, linked to its page (where its budget is set). */
function JobName({ jobId }: { jobId: string }) {
  const query = useGraphQLQuery(BudgetJobNameDocument, { jobId });
  const job = query.data?.job;
  return (
    <Link to="/jobs/$jobId" params={{ jobId }} className={styles.scopeName}>
      {job?.__typename === 'Job' ? job.name : `Job ${jobId}`}
    </Link>
  );
}

/** Takes a team's budget away, saying why not when it cannot. */
function RemoveTeamBudget({ team }: { team: string }) {
  const change = useBudgetChange({ team, jobId: null });
  const result = change.data;
  const refused =
    result !== undefined &&
    result.__typename !== 'BudgetCleared' &&
    result.__typename !== 'BudgetSet'
      ? describeBudgetError(result)
      : null;
  return (
    <div className={styles.remove}>
      <Button
        icon="cross"
        busy={change.isPending}
        disabled={change.isPending}
        onClick={() => {
          change.mutate(null);
        }}
      >
        Remove<span className="visually-hidden"> the budget of team {team}</span>
      </Button>
      {refused !== null && (
        <p role="alert" className={styles.inputError}>
          {refused.title}: {refused.detail}
        </p>
      )}
      {change.isError && (
        <p role="alert" className={styles.inputError}>
          Not removed: {change.error.message}
        </p>
      )}
    </div>
  );
}

function SetBy({ budget }: { budget: BudgetFieldsFragment }) {
  return (
    <>
      set by {shortUserName(budget.setBy)}, <Timestamp value={budget.setAt} />
    </>
  );
}

function BudgetRow({ budget, removable }: { budget: BudgetFieldsFragment; removable: boolean }) {
  const { scope } = budget;
  const team = scope.team;
  const jobs = budget.jobIds.length;
  return (
    <tr>
      <th scope="row" className={styles.scopeCell}>
        {scope.jobId !== null ? (
          <>
            <JobName jobId={scope.jobId} />
            <span className={styles.aside}>
              job, <SetBy budget={budget} />
            </span>
          </>
        ) : (
          <>
            <span className={styles.scopeName}>{team ?? 'A team'}</span>
            <span className={styles.aside}>
              team of{' '}
              {budget.coversAllJobs
                ? `${formatCount(jobs)} ${jobs === 1 ? 'job' : 'jobs'}`
                : `more jobs than the ${formatCount(jobs)} you see (theirs alone count here)`}
              , <SetBy budget={budget} />
            </span>
          </>
        )}
      </th>
      <td>
        <BudgetStatusBadge status={budget.status} />
      </td>
      <td className={styles.barCell}>
        <BudgetBar budget={budget} />
        <span className={tables.muted}>
          {formatMoney(budget.monthToDateUsd, 'USD')} of {formatMoney(budget.monthlyUsd, 'USD')} (
          {formatPercent(budget.usedShare)})
        </span>
      </td>
      <td className={tables.number}>{formatMoney(budget.forecastUsd, 'USD')}</td>
      {removable && <td>{team !== null && <RemoveTeamBudget team={team} />}</td>}
    </tr>
  );
}

function BudgetTable({ budgets }: { budgets: readonly BudgetFieldsFragment[] }) {
  const month = budgets[0]?.month;
  // Team budgets are removed here; a job's budget on the job's page.
  const removable = budgets.some((budget) => budget.scope.team !== null);
  return (
    <div className={tables.wrap}>
      <table className={tables.table}>
        <caption className="visually-hidden">
          Budgets{month === undefined ? '' : ` for ${monthLabel(month)}`}
        </caption>
        <thead>
          <tr>
            <th scope="col">Budget of</th>
            <th scope="col">Status</th>
            <th scope="col">Spent{month === undefined ? '' : ` in ${monthLabel(month)}`}</th>
            <th scope="col" className={tables.number}>
              Forecast
            </th>
            {removable && (
              <th scope="col">
                <span className="visually-hidden">Remove</span>
              </th>
            )}
          </tr>
        </thead>
        <tbody>
          {budgets.map((budget) => (
            <BudgetRow
              key={`${budget.scope.kind}:${budget.scope.jobId ?? budget.scope.team ?? ''}`}
              budget={budget}
              removable={removable}
            />
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** A team's budget: the team as its tag names it, and the sum; a fresh form once one is saved. */
function TeamBudgetForm() {
  const [team, setTeam] = useState('');
  const [saved, setSaved] = useState<{ team: string; monthlyUsd: number; count: number } | null>(
    null,
  );
  return (
    <div className={styles.addTeam}>
      <h3 className={styles.subheading}>Set a team’s budget</h3>
      <BudgetForm
        key={saved?.count ?? 0}
        scope={{ team: team.trim(), jobId: null }}
        monthlyUsd={null}
        label="Set a team’s budget"
        hint="Only admins may set a team’s budget; it covers every job with the team’s tag. A team’s budget set again is replaced."
        validate={() =>
          team.trim() === '' ? 'Enter the team, as its jobs’ team tag names it.' : null
        }
        onSaved={(monthlyUsd) => {
          setSaved({ team: team.trim(), monthlyUsd, count: (saved?.count ?? 0) + 1 });
          setTeam('');
        }}
      >
        <TextField label="Team" value={team} onChange={setTeam} placeholder="e.g. finance" />
      </BudgetForm>
      <p role="status" className={styles.saved}>
        {saved !== null && (
          <>
            <Icon name="check" size={14} />
            Saved: team {saved.team} has a budget of {formatMoney(saved.monthlyUsd, 'USD')} a month.
          </>
        )}
      </p>
    </div>
  );
}

/** Every budget the viewer has a job under, against this month, and a team's budget added. */
export function BudgetsCard() {
  const query = useGraphQLQuery(
    BudgetsDocument,
    {},
    { refetchInterval: (data) => retryIntervalFor(data?.budgets) },
  );
  let content;
  if (query.isPending) {
    content = <Skeleton label="Loading budgets" lines={3} />;
  } else if (query.isError) {
    content = (
      <QueryError
        what="budgets"
        error={query.error}
        retrying={query.isFetching}
        onRetry={() => void query.refetch()}
      />
    );
  } else if (query.data.budgets.__typename !== 'BudgetList') {
    content = <ApiErrorAlert error={query.data.budgets} />;
  } else if (query.data.budgets.nodes.length === 0) {
    content = (
      <EmptyState icon="coin" title="No budgets yet">
        Set a job’s budget on its page, or a team’s below: Job Monitor then raises an alert when the
        month’s spend passes it, or is on pace to.
      </EmptyState>
    );
  } else {
    content = <BudgetTable budgets={query.data.budgets.nodes} />;
  }
  return (
    <Card title={TITLE} description={DESCRIPTION} busy={query.isPending}>
      <div className={styles.budgets}>
        {content}
        <TeamBudgetForm />
      </div>
    </Card>
  );
}

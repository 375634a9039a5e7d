import { useId, useState, type ReactNode } from 'react';

import type { BudgetScopeInput } from '../../gql/graphql';
import { describeBudgetError, monthlyUsdText, parseMonthlyUsd } from '../../lib/budgets';
import { formatMoney } from '../../lib/format';
import { Alert } from '../kit/Alert';
import { Button } from '../kit/Button';
import { Icon } from '../kit/Icon';
import { TextField } from '../kit/TextField';
import styles from './Budgets.module.css';
import { budgetChanged, useBudgetChange, type BudgetChangeResult } from './useBudgetChange';

/** What became of a change: done, in words, or why not. */
function ChangeOutcome({ result }: { result: BudgetChangeResult }) {
  let text: string;
  if (result.__typename === 'BudgetSet') {
    text = `Saved: the budget is now ${formatMoney(result.budget.monthlyUsd, 'USD')} a month.`;
  } else if (result.__typename === 'BudgetCleared') {
    text = result.cleared ? 'Cleared: there is no budget now.' : 'There was no budget to clear.';
  } else {
    const { title, detail } = describeBudgetError(result);
    return (
      <Alert tone="critical" title={title}>
        <p>{detail}</p>
      </Alert>
    );
  }
  return (
    <p role="status" className={styles.saved}>
      <Icon name="check" size={14} />
      {text}
    </p>
  );
}

interface BudgetFormProps {
  scope: BudgetScopeInput;
  /** The budget now, in dollars; null: none. */
  monthlyUsd: number | null;
  /** The form's accessible name: "Change the job’s budget". */
  label: string;
  /** Who may change it, under the field. */
  hint: string;
  /** More fields before the amount (the costs page's team). */
  children?: ReactNode;
  /** Checks those fields; a message in words when they will not do. */
  validate?: () => string | null;
  /** After a budget was saved (not cleared), with it: the form may be replaced by then. */
  onSaved?: (monthlyUsd: number) => void;
}

/** A monthly budget in dollars with Save, and Clear when there is one. */
export function BudgetForm({
  scope,
  monthlyUsd,
  label,
  hint,
  children,
  validate,
  onSaved,
}: BudgetFormProps) {
  const [text, setText] = useState(monthlyUsdText(monthlyUsd));
  const [inputError, setInputError] = useState<string | null>(null);
  const change = useBudgetChange(scope);
  const hintId = useId();
  return (
    <div className={styles.editor}>
      <form
        aria-label={label}
        className={styles.form}
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          const other = validate?.() ?? null;
          const parsed = parseMonthlyUsd(text);
          const error = other ?? ('error' in parsed ? parsed.error : null);
          if (error !== null || 'error' in parsed) {
            setInputError(error);
            return;
          }
          setInputError(null);
          change.mutate(parsed.usd, {
            onSuccess: (result) => {
              if (result.__typename === 'BudgetSet') onSaved?.(result.budget.monthlyUsd);
            },
          });
        }}
      >
        {children}
        <TextField
          label="Monthly budget (USD)"
          type="text"
          inputMode="decimal"
          value={text}
          onChange={setText}
          placeholder="e.g. 1500"
          aria-invalid={inputError !== null}
          aria-describedby={hintId}
        />
        <div className={styles.buttons}>
          <Button type="submit" icon="check" busy={change.isPending} disabled={change.isPending}>
            Save
          </Button>
          {monthlyUsd !== null && (
            <Button
              icon="cross"
              disabled={change.isPending}
              onClick={() => {
                setInputError(null);
                change.mutate(null, {
                  onSuccess: (result) => {
                    if (budgetChanged(result)) setText('');
                  },
                });
              }}
            >
              Clear
            </Button>
          )}
        </div>
      </form>
      <p id={hintId} className={styles.hint}>
        {hint}
      </p>
      {inputError !== null && (
        <p role="alert" className={styles.inputError}>
          {inputError}
        </p>
      )}
      {change.isError && (
        <Alert tone="critical" title="The budget was not changed">
          <p>{change.error.message}</p>
        </Alert>
      )}
      {change.data !== undefined && <ChangeOutcome result={change.data} />}
    </div>
  );
}

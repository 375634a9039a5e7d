import type { BudgetFieldsFragment } from '../../gql/graphql';
import { budgetBar, budgetBarText, budgetStatusPresentation } from '../../lib/budgets';
import { cx } from '../../lib/classNames';
import { formatMoney } from '../../lib/format';
import tones from '../job/tones.module.css';
import styles from './Budgets.module.css';

/**
 * Month-to-date spend against the budget: the spend so far solid, the forecast for the month
 * hatched beyond it, the budget a mark; in the status's colour. Its words are its accessible name.
 */
export function BudgetBar({
  budget,
  legend = false,
}: {
  budget: BudgetFieldsFragment;
  /** Name the parts under the bar (the job page); a table's row says them in its cells. */
  legend?: boolean;
}) {
  const bar = budgetBar(budget);
  const { tone } = budgetStatusPresentation(budget.status);
  const text = budgetBarText(budget);
  const percent = (share: number): string => `${String(share * 100)}%`;
  return (
    <div className={cx(styles.barBlock, tones[tone])}>
      <div className={styles.track} role="img" aria-label={text} title={text}>
        <span className={styles.forecast} style={{ width: percent(bar.forecast) }} />
        <span className={styles.spent} style={{ width: percent(bar.spent) }} />
        <span className={styles.limit} style={{ left: percent(bar.limit) }} />
      </div>
      {legend && (
        <ul className={styles.legend} aria-hidden="true">
          <li>
            <span className={cx(styles.key, styles.keySpent)} />
            Spent {formatMoney(budget.monthToDateUsd, 'USD')}
          </li>
          <li>
            <span className={cx(styles.key, styles.keyForecast)} />
            Forecast {formatMoney(budget.forecastUsd, 'USD')}
          </li>
          <li>
            <span className={cx(styles.key, styles.keyLimit)} />
            Budget {formatMoney(budget.monthlyUsd, 'USD')}
          </li>
        </ul>
      )}
    </div>
  );
}

import { createFileRoute } from '@tanstack/react-router';

import { BudgetsCard } from '../../components/budgets/BudgetsCard';
import styles from '../../components/costs/Costs.module.css';
import { CostsView } from '../../components/costs/CostsView';
import { PageHeader } from '../../components/PageHeader';

function CostsPage() {
  return (
    <>
      <PageHeader
        title="Costs"
        description="What the jobs you can see cost at list price, what changed, and what is wasted."
      />
      <div className={styles.stack}>
        <CostsView />
        <BudgetsCard />
      </div>
    </>
  );
}

export const Route = createFileRoute('/_sidebar/costs')({
  head: () => ({ meta: [{ title: 'Costs · Job Monitor' }] }),
  component: CostsPage,
});

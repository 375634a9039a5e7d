import { createFileRoute } from '@tanstack/react-router';

import { BudgetsCard } from '../../components/budgets/BudgetsCard';
import styles from '../../components/costs/Costs.module.css';
import { CostsView } from '../../components/costs/CostsView';
import { PageHeader } from '../../components/PageHeader';

/** The page's own parameter: the savings list shows every job (`all`) rather than the top ones. */
interface CostsSearch {
  savings?: 'all';
}

function CostsPage() {
  const { savings } = Route.useSearch();
  const navigate = Route.useNavigate();
  const savingsListing = {
    all: savings === 'all',
    onChange: (all: boolean) => {
      void navigate({
        search: (previous) => ({ ...previous, savings: all ? ('all' as const) : undefined }),
        resetScroll: false,
      });
    },
  };
  return (
    <>
      <PageHeader
        title="Costs"
        description="What the jobs you can see cost at list price, what changed, and what is wasted."
      />
      <div className={styles.stack}>
        <CostsView savingsListing={savingsListing} />
        <BudgetsCard />
      </div>
    </>
  );
}

export const Route = createFileRoute('/_sidebar/costs')({
  validateSearch: (search: Record<string, unknown>): CostsSearch =>
    search.savings === 'all' ? { savings: 'all' } : {},
  head: () => ({ meta: [{ title: 'Costs · Job Monitor' }] }),
  component: CostsPage,
});

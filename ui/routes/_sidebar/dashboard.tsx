import { createFileRoute } from '@tanstack/react-router';

import { HealthPanel } from '../../components/health/HealthPanel';
import { PageHeader } from '../../components/PageHeader';
import { ViewerCard } from '../../components/viewer/ViewerCard';
import styles from './dashboard.module.css';

function Dashboard() {
  return (
    <>
      <PageHeader
        title="Dashboard"
        description="Who you are signed in as, and whether Job Monitor can reach your workspace."
      />
      <div className={styles.grid}>
        <ViewerCard />
        <HealthPanel />
      </div>
    </>
  );
}

export const Route = createFileRoute('/_sidebar/dashboard')({
  head: () => ({ meta: [{ title: 'Dashboard · Job Monitor' }] }),
  component: Dashboard,
});

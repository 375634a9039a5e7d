import { createFileRoute, Outlet } from '@tanstack/react-router';

import { AppShell } from '../components/AppShell';
import { FilterBar } from '../components/FilterBar';
import { parseGlobalSearch } from '../lib/filters';

export const Route = createFileRoute('/_sidebar')({
  // The filter bar's parameters belong to every page under the sidebar.
  validateSearch: parseGlobalSearch,
  component: () => (
    <AppShell>
      <FilterBar />
      <Outlet />
    </AppShell>
  ),
});

import type { QueryClient } from '@tanstack/react-query';
import { createRootRouteWithContext, HeadContent, Link, Outlet } from '@tanstack/react-router';

import { AppShell } from '../components/AppShell';
import { PageHeader } from '../components/PageHeader';

export interface RouterContext {
  queryClient: QueryClient;
}

function NotFound() {
  return (
    <AppShell>
      <PageHeader title="Page not found" description="There is no page at this address." />
      <Link to="/dashboard">Go to the dashboard</Link>
    </AppShell>
  );
}

export const Route = createRootRouteWithContext<RouterContext>()({
  head: () => ({ meta: [{ title: 'Job Monitor' }] }),
  component: () => (
    <>
      <HeadContent />
      <Outlet />
    </>
  ),
  notFoundComponent: NotFound,
});

import { useNavigate, useSearch } from '@tanstack/react-router';

import { filtersOf, type GlobalFilters, type GlobalSearch } from '../lib/filters';

/**
 * The filter bar's current values, read from the address (the `_sidebar` layout validates them),
 * and a way to change them: a change is a navigation, so Back restores the previous filters.
 */
export function useGlobalFilters(): [GlobalFilters, (change: GlobalSearch) => void] {
  const search: GlobalSearch = useSearch({ strict: false });
  const navigate = useNavigate();
  const update = (change: GlobalSearch): void => {
    void navigate({
      to: '.',
      search: (previous: Record<string, unknown>) => ({ ...previous, ...change }),
    });
  };
  return [filtersOf(search), update];
}

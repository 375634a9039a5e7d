import type { Window } from '../gql/graphql';
import { parseSearchText } from './jobList';
import { DEFAULT_WINDOW, parseWindow } from './windows';

/**
 * The filter bar every page shares, kept in the address's search parameters so that each view is
 * a link to share and Back returns to the previous filter: `window`, `team` and `q` (a job-name
 * pattern, see `namePatternFor`). Absent parameters mean the defaults.
 */
export interface GlobalSearch {
  window?: Window;
  team?: string;
  q?: string;
}

export interface GlobalFilters {
  window: Window;
  team: string | null;
  q: string;
}

/** The filter bar's parameters from an address's search parameters; anything invalid is dropped. */
export function parseGlobalSearch(search: Record<string, unknown>): GlobalSearch {
  const window = parseWindow(search.window);
  const team = parseSearchText(search.team);
  const q = parseSearchText(search.q);
  return {
    ...(window === undefined ? {} : { window }),
    ...(team === undefined ? {} : { team }),
    ...(q === undefined ? {} : { q }),
  };
}

export function filtersOf(search: GlobalSearch): GlobalFilters {
  return { window: search.window ?? DEFAULT_WINDOW, team: search.team ?? null, q: search.q ?? '' };
}

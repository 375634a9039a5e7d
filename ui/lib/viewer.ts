import type { AuthMode } from '../gql/graphql';

interface NamedViewer {
  displayName: string | null;
  userName: string;
}

/** The name to greet a person by: their display name, else their user name. */
export function viewerName(viewer: NamedViewer): string {
  const display = viewer.displayName?.trim();
  return display !== undefined && display !== '' ? display : viewer.userName;
}

/** A user name for a crowded table: an e-mail address's local part; other names (ids) as they are. */
export function shortUserName(userName: string): string {
  const at = userName.indexOf('@');
  return at > 0 ? userName.slice(0, at) : userName;
}

/** Up to two initials for an avatar, from a name or an e-mail address. */
export function initials(name: string): string {
  const local = name.split('@')[0] ?? name;
  const words = local.split(/[\s._-]+/).filter((w) => w !== '');
  const letters = words.length > 1 ? [words[0], words[words.length - 1]] : words.slice(0, 1);
  return letters
    .map((w) => (w ?? '').charAt(0).toUpperCase())
    .join('')
    .slice(0, 2);
}

const AUTH_MODES: Record<AuthMode, { label: string; description: string }> = {
  LOCAL: {
    label: 'Local workspace',
    description: 'Signed in as a user of the local workspace stand-in.',
  },
  DATABRICKS_APP: {
    label: 'Databricks App',
    description: 'Signed in through Databricks; the app acts on your behalf.',
  },
};

export function authModeLabel(mode: AuthMode): string {
  return AUTH_MODES[mode].label;
}

export function authModeDescription(mode: AuthMode): string {
  return AUTH_MODES[mode].description;
}

/** Group names once each, in alphabetical order. */
export function sortedGroups(groups: readonly string[]): string[] {
  return [...new Set(groups)].sort((a, b) =>
    a.localeCompare(b, undefined, { sensitivity: 'base' }),
  );
}

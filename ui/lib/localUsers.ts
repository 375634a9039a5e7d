/**
 * The local workspace's fixed users (issue 2). In local mode the chooser sends the chosen user's token as
 * `X-Forwarded-Access-Token`, as the Databricks Apps proxy would; without a choice the service acts as alice.
 */
export const LOCAL_USERS = [
  { id: 'alice', name: 'Alice', email: 'alice@example.com', role: 'workspace admin' },
  { id: 'bob', name: 'Bob', email: 'bob@example.com', role: 'data-eng' },
  { id: 'carol', name: 'Carol', email: 'carol@example.com', role: 'no job permissions' },
] as const;

export type LocalUserId = (typeof LOCAL_USERS)[number]['id'];

/** Whom the local service acts as when the browser sends no token. */
export const DEFAULT_LOCAL_USER: LocalUserId = 'alice';

export const ACCESS_TOKEN_HEADER = 'X-Forwarded-Access-Token';

export const LOCAL_USER_STORAGE_KEY = 'job-monitor.local-user';

export function parseLocalUser(value: string | null): LocalUserId | null {
  return LOCAL_USERS.find((u) => u.id === value)?.id ?? null;
}

export function localUserToken(user: LocalUserId): string {
  return `local-${user}`;
}

/** The subset of the Web Storage API the store uses, so tests can pass their own. */
export type KeyValueStorage = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;

export interface LocalUserStore {
  get: () => LocalUserId | null;
  set: (user: LocalUserId | null) => void;
  subscribe: (onChange: () => void) => () => void;
}

/**
 * The chosen local user, kept in storage so it survives reloads. `notifyOnExternalChange` wires
 * changes made in other tabs (the browser's `storage` event) to the same subscribers.
 */
export function createLocalUserStore(
  storage: KeyValueStorage,
  notifyOnExternalChange?: (onChange: () => void) => () => void,
): LocalUserStore {
  const listeners = new Set<() => void>();
  const notify = (): void => {
    listeners.forEach((listener) => {
      listener();
    });
  };
  return {
    get: () => parseLocalUser(storage.getItem(LOCAL_USER_STORAGE_KEY)),
    set: (user) => {
      if (user === null) storage.removeItem(LOCAL_USER_STORAGE_KEY);
      else storage.setItem(LOCAL_USER_STORAGE_KEY, user);
      notify();
    },
    subscribe: (onChange) => {
      listeners.add(onChange);
      const unsubscribeExternal = notifyOnExternalChange?.(onChange);
      return () => {
        listeners.delete(onChange);
        unsubscribeExternal?.();
      };
    },
  };
}

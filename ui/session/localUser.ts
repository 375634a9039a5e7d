import { useSyncExternalStore } from 'react';

import { createLocalUserStore, LOCAL_USER_STORAGE_KEY, type LocalUserId } from '../lib/localUsers';

// One store per tab; other tabs' choices arrive through the browser's `storage` event.
const store = createLocalUserStore(window.localStorage, (onChange) => {
  const onStorage = (event: StorageEvent): void => {
    if (event.key === LOCAL_USER_STORAGE_KEY) onChange();
  };
  window.addEventListener('storage', onStorage);
  return () => {
    window.removeEventListener('storage', onStorage);
  };
});

/** The local user chosen in this browser, or null when none was (the service then acts as alice). */
export function useLocalUser(): LocalUserId | null {
  return useSyncExternalStore(store.subscribe, store.get);
}

export const chooseLocalUser = store.set;

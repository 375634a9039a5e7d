import { useSyncExternalStore } from 'react';

import {
  createThemeStore,
  resolveTheme,
  THEME_STORAGE_KEY,
  themeAttribute,
  type Theme,
  type ThemePreference,
} from '../lib/theme';

// One store per tab; other tabs' choices arrive through the browser's `storage` event.
const store = createThemeStore(window.localStorage, (onChange) => {
  const onStorage = (event: StorageEvent): void => {
    if (event.key === THEME_STORAGE_KEY) onChange();
  };
  window.addEventListener('storage', onStorage);
  return () => {
    window.removeEventListener('storage', onStorage);
  };
});

function apply(preference: ThemePreference): void {
  const attribute = themeAttribute(preference);
  if (attribute === null) delete document.documentElement.dataset.theme;
  else document.documentElement.dataset.theme = attribute;
}

// Pinned as soon as the app loads (before that, CSS follows the system), and on every change.
apply(store.get());
store.subscribe(() => {
  apply(store.get());
});

const systemDark = window.matchMedia('(prefers-color-scheme: dark)');

function subscribeToSystem(onChange: () => void): () => void {
  systemDark.addEventListener('change', onChange);
  return () => {
    systemDark.removeEventListener('change', onChange);
  };
}

export function useThemePreference(): ThemePreference {
  return useSyncExternalStore(store.subscribe, store.get);
}

/** The theme on screen now: the choice, or the system's while following it. */
export function useTheme(): Theme {
  const preference = useThemePreference();
  const prefersDark = useSyncExternalStore(subscribeToSystem, () => systemDark.matches);
  return resolveTheme(preference, prefersDark);
}

export const chooseThemePreference = store.set;

import type { KeyValueStorage } from './localUsers';

/**
 * Light and dark themes. The colours are CSS variables in styles/global.css that follow the system
 * setting (`prefers-color-scheme`) unless the person chose one: the choice is kept in storage and
 * set as `data-theme` on the root element, which pins the page's `color-scheme`.
 */
export const THEME_PREFERENCES = [
  { value: 'light', label: 'Light' },
  { value: 'dark', label: 'Dark' },
  { value: 'system', label: 'System' },
] as const;

export type ThemePreference = (typeof THEME_PREFERENCES)[number]['value'];
export type Theme = Exclude<ThemePreference, 'system'>;

export const THEME_STORAGE_KEY = 'job-monitor.theme';

/** The stored preference; anything else (nothing stored, an old value) follows the system. */
export function parseThemePreference(value: string | null): ThemePreference {
  return THEME_PREFERENCES.find((p) => p.value === value)?.value ?? 'system';
}

export function resolveTheme(preference: ThemePreference, systemPrefersDark: boolean): Theme {
  if (preference !== 'system') return preference;
  return systemPrefersDark ? 'dark' : 'light';
}

/** The root element's `data-theme`: none while following the system, so CSS alone decides. */
export function themeAttribute(preference: ThemePreference): Theme | null {
  return preference === 'system' ? null : preference;
}

export interface ThemeStore {
  get: () => ThemePreference;
  set: (preference: ThemePreference) => void;
  subscribe: (onChange: () => void) => () => void;
}

/**
 * The theme preference, kept in storage so it survives reloads ("system" is stored as nothing).
 * `notifyOnExternalChange` wires changes made in other tabs to the same subscribers.
 */
export function createThemeStore(
  storage: KeyValueStorage,
  notifyOnExternalChange?: (onChange: () => void) => () => void,
): ThemeStore {
  const listeners = new Set<() => void>();
  return {
    get: () => parseThemePreference(storage.getItem(THEME_STORAGE_KEY)),
    set: (preference) => {
      if (preference === 'system') storage.removeItem(THEME_STORAGE_KEY);
      else storage.setItem(THEME_STORAGE_KEY, preference);
      listeners.forEach((listener) => {
        listener();
      });
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

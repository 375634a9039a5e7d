import { describe, expect, it } from 'vitest';

import type { KeyValueStorage } from './localUsers';
import {
  createThemeStore,
  parseThemePreference,
  resolveTheme,
  THEME_STORAGE_KEY,
  themeAttribute,
} from './theme';

function memoryStorage(initial: Record<string, string> = {}): KeyValueStorage {
  const values = new Map(Object.entries(initial));
  return {
    getItem: (key) => values.get(key) ?? null,
    setItem: (key, value) => {
      values.set(key, value);
    },
    removeItem: (key) => {
      values.delete(key);
    },
  };
}

describe('theme preference', () => {
  it('follows the system unless light or dark was chosen', () => {
    expect(parseThemePreference(null)).toBe('system');
    expect(parseThemePreference('dark')).toBe('dark');
    expect(parseThemePreference('light')).toBe('light');
    expect(parseThemePreference('sepia')).toBe('system');
  });

  it('resolves "system" with the system setting and a choice without it', () => {
    expect(resolveTheme('system', true)).toBe('dark');
    expect(resolveTheme('system', false)).toBe('light');
    expect(resolveTheme('light', true)).toBe('light');
    expect(resolveTheme('dark', false)).toBe('dark');
  });

  it('pins the page only for a choice, leaving "system" to CSS', () => {
    expect(themeAttribute('dark')).toBe('dark');
    expect(themeAttribute('system')).toBeNull();
  });
});

describe('createThemeStore', () => {
  it('remembers a choice in storage and tells subscribers', () => {
    // given a store with a subscriber
    const storage = memoryStorage();
    const store = createThemeStore(storage);
    let changes = 0;
    store.subscribe(() => {
      changes += 1;
    });

    // when dark is chosen
    store.set('dark');

    // then it is stored and announced
    expect(store.get()).toBe('dark');
    expect(storage.getItem(THEME_STORAGE_KEY)).toBe('dark');
    expect(changes).toBe(1);
  });

  it('forgets the choice when going back to the system setting', () => {
    // given a stored choice
    const storage = memoryStorage({ [THEME_STORAGE_KEY]: 'light' });
    const store = createThemeStore(storage);
    expect(store.get()).toBe('light');

    // when the system setting is chosen again
    store.set('system');

    // then nothing is stored
    expect(store.get()).toBe('system');
    expect(storage.getItem(THEME_STORAGE_KEY)).toBeNull();
  });

  it('hears about choices made in other tabs until unsubscribed', () => {
    // given a store wired to an external change source
    let external: (() => void) | null = null;
    const store = createThemeStore(memoryStorage(), (onChange) => {
      external = onChange;
      return () => {
        external = null;
      };
    });
    let changes = 0;
    const unsubscribe = store.subscribe(() => {
      changes += 1;
    });

    // when another tab changes the choice, then after unsubscribing
    (external as (() => void) | null)?.();
    unsubscribe();

    // then the subscriber heard once and the external source was let go
    expect(changes).toBe(1);
    expect(external).toBeNull();
  });
});

import { describe, expect, it } from 'vitest';

import {
  createLocalUserStore,
  LOCAL_USER_STORAGE_KEY,
  localUserToken,
  parseLocalUser,
  type KeyValueStorage,
} from './localUsers';

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

describe('local user conventions', () => {
  it('uses the fixed local tokens', () => {
    expect(localUserToken('alice')).toBe('local-alice');
    expect(localUserToken('bob')).toBe('local-bob');
    expect(localUserToken('carol')).toBe('local-carol');
  });

  it('accepts only the known local users', () => {
    expect(parseLocalUser('bob')).toBe('bob');
    expect(parseLocalUser('mallory')).toBeNull();
    expect(parseLocalUser(null)).toBeNull();
  });
});

describe('createLocalUserStore', () => {
  it('has no choice until one is made', () => {
    expect(createLocalUserStore(memoryStorage()).get()).toBeNull();
  });

  it('remembers the choice in storage and tells subscribers', () => {
    // given a store with a subscriber
    const storage = memoryStorage();
    const store = createLocalUserStore(storage);
    let changes = 0;
    store.subscribe(() => {
      changes += 1;
    });

    // when bob is chosen
    store.set('bob');

    // then the choice is stored and announced
    expect(store.get()).toBe('bob');
    expect(storage.getItem(LOCAL_USER_STORAGE_KEY)).toBe('bob');
    expect(changes).toBe(1);
  });

  it('forgets the choice when cleared', () => {
    const store = createLocalUserStore(memoryStorage({ [LOCAL_USER_STORAGE_KEY]: 'carol' }));

    store.set(null);

    expect(store.get()).toBeNull();
  });

  it('ignores a stored value that is not a local user', () => {
    const store = createLocalUserStore(memoryStorage({ [LOCAL_USER_STORAGE_KEY]: 'local-bob' }));

    expect(store.get()).toBeNull();
  });

  it('stops telling a subscriber after it unsubscribes', () => {
    const store = createLocalUserStore(memoryStorage());
    let changes = 0;
    const unsubscribe = store.subscribe(() => {
      changes += 1;
    });

    unsubscribe();
    store.set('alice');

    expect(changes).toBe(0);
  });
});

import { describe, expect, it } from 'vitest';

import {
  authModeDescription,
  authModeLabel,
  initials,
  shortUserName,
  sortedGroups,
  viewerName,
} from './viewer';

describe('viewerName', () => {
  it('prefers the display name', () => {
    expect(viewerName({ displayName: 'Alice Admin', userName: 'alice@example.com' })).toBe(
      'Alice Admin',
    );
  });

  it('falls back to the user name when the display name is missing or blank', () => {
    expect(viewerName({ displayName: null, userName: 'bob@example.com' })).toBe('bob@example.com');
    expect(viewerName({ displayName: '  ', userName: 'bob@example.com' })).toBe('bob@example.com');
  });
});

describe('initials', () => {
  it('takes the first and last word of a name', () => {
    expect(initials('Alice Admin')).toBe('AA');
    expect(initials('Mary Ann de Vries')).toBe('MV');
  });

  it('uses the local part of an e-mail address', () => {
    expect(initials('carol@example.com')).toBe('C');
    expect(initials('bob.smith@example.com')).toBe('BS');
  });

  it('is empty for an empty name', () => {
    expect(initials('')).toBe('');
  });
});

describe('auth mode', () => {
  it('names both modes and explains them', () => {
    expect(authModeLabel('LOCAL')).toBe('Local workspace');
    expect(authModeLabel('DATABRICKS_APP')).toBe('Databricks App');
    expect(authModeDescription('DATABRICKS_APP')).toContain('on your behalf');
  });
});

describe('sortedGroups', () => {
  it('lists each group once, alphabetically and ignoring case', () => {
    expect(sortedGroups(['users', 'Admins', 'data-eng', 'users'])).toEqual([
      'Admins',
      'data-eng',
      'users',
    ]);
  });
});

describe('shortUserName', () => {
  it('keeps the local part of an e-mail address', () => {
    expect(shortUserName('dana.kim@example.com')).toBe('dana.kim');
  });

  it('keeps a name that is no e-mail address, such as a service principal id', () => {
    expect(shortUserName('6f1c2a9e-0000-4000-8000-000000000001')).toBe(
      '6f1c2a9e-0000-4000-8000-000000000001',
    );
  });
});

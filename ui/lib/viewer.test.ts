import { describe, expect, it } from 'vitest';

import { authModeDescription, authModeLabel, initials, sortedGroups, viewerName } from './viewer';

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

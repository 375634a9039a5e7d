import { describe, expect, it } from 'vitest';

import { DEFAULT_WINDOW, parseWindow, windowLabel, WINDOWS } from './windows';

describe('windows', () => {
  it('offers the five windows of the API, shortest first', () => {
    expect(WINDOWS.map((w) => w.label)).toEqual([
      'Last 24 hours',
      'Last 7 days',
      'Last 30 days',
      'Last 90 days',
      'Last 365 days',
    ]);
    expect(windowLabel(DEFAULT_WINDOW)).toBe('Last 7 days');
  });

  it('reads a window from an address and ignores anything else', () => {
    expect(parseWindow('LAST_30_DAYS')).toBe('LAST_30_DAYS');
    expect(parseWindow('LAST_2_DAYS')).toBeUndefined();
    expect(parseWindow(7)).toBeUndefined();
  });
});

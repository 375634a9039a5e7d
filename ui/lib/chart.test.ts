import { describe, expect, it } from 'vitest';

import { dailyBars, niceMax } from './chart';

describe('niceMax', () => {
  it('rounds up to a round multiple of a power of ten', () => {
    expect(niceMax(0)).toBe(1);
    expect(niceMax(7)).toBe(8);
    expect(niceMax(130)).toBe(150);
    expect(niceMax(540)).toBe(600);
    expect(niceMax(500)).toBe(500);
    expect(niceMax(9100)).toBe(10_000);
  });
});

describe('dailyBars', () => {
  it('scales runs and failures to the same round top', () => {
    // given two days
    const days = [
      { date: '2026-11-24', runs: 90, failed: 20 },
      { date: '2026-11-25', runs: 45, failed: 0 },
    ];

    // when they become bars
    const { top, bars } = dailyBars(days);

    // then the busiest day fills most of the height and failures sit on the same scale
    expect(top).toBe(100);
    expect(bars.map((b) => [b.runsShare, b.failedShare])).toEqual([
      [0.9, 0.2],
      [0.45, 0],
    ]);
  });

  it('draws an empty series without dividing by zero', () => {
    expect(dailyBars([{ date: '2026-11-25', runs: 0, failed: 0 }]).bars[0]?.runsShare).toBe(0);
  });
});

import { describe, expect, it } from 'vitest';

import {
  apiOrderFor,
  namePatternFor,
  nextJobSort,
  parseJobSort,
  parsePriority,
  parseSearchText,
  priorityRank,
  sortsOnServer,
  sparklineBars,
  sparklineSummary,
  type SparkRun,
} from './jobList';

describe('namePatternFor', () => {
  it('finds plain text anywhere in the name', () => {
    expect(namePatternFor('sales')).toBe('*sales*');
  });

  it('takes text with wildcards as written', () => {
    expect(namePatternFor('prod-*-daily')).toBe('prod-*-daily');
    expect(namePatternFor('etl-?')).toBe('etl-?');
  });

  it('means no filter for blank text', () => {
    expect(namePatternFor('   ')).toBeNull();
  });

  it('ignores surrounding spaces', () => {
    expect(namePatternFor('  sales ')).toBe('*sales*');
  });
});

describe('sorting the jobs table', () => {
  it('asks the API to order by the columns it has a field for, in the direction shown', () => {
    expect(apiOrderFor({ column: 'name', direction: 'asc' })).toEqual({
      field: 'NAME',
      direction: 'ASC',
    });
    expect(apiOrderFor({ column: 'successRate', direction: 'asc' })).toEqual({
      field: 'SUCCESS_RATE',
      direction: 'ASC',
    });
    expect(apiOrderFor({ column: 'regression', direction: 'desc' })).toEqual({
      field: 'DURATION_REGRESSION',
      direction: 'DESC',
    });
    expect(apiOrderFor({ column: 'recentRuns', direction: 'desc' })).toEqual({
      field: 'LAST_RUN',
      direction: 'DESC',
    });
  });

  it('loads by name for the columns only the browser can sort', () => {
    for (const column of [
      'priority',
      'failureStreak',
      'p50',
      'p90',
      'spend',
      'slaTarget',
      'breachRate',
    ] as const) {
      expect(sortsOnServer(column)).toBe(false);
      expect(apiOrderFor({ column, direction: 'desc' })).toEqual({
        field: 'NAME',
        direction: 'ASC',
      });
    }
    expect(sortsOnServer('name')).toBe(true);
  });

  it('starts a column with its worst first and turns the direction round on a second click', () => {
    // given the default order
    const byName = { column: 'name', direction: 'asc' } as const;

    // when success rate, then spend, then spend again are chosen
    const bySuccess = nextJobSort(byName, 'successRate');
    const bySpend = nextJobSort(bySuccess, 'spend');
    const bySpendReversed = nextJobSort(bySpend, 'spend');

    // then each starts where the trouble is, and the repeat reverses it
    expect(bySuccess).toEqual({ column: 'successRate', direction: 'asc' });
    expect(bySpend).toEqual({ column: 'spend', direction: 'desc' });
    expect(bySpendReversed).toEqual({ column: 'spend', direction: 'asc' });
    expect(nextJobSort(byName, 'name')).toEqual({ column: 'name', direction: 'desc' });
  });

  it("reads a sort from an address, with the column's first direction when none is given", () => {
    expect(parseJobSort('spend', 'asc')).toEqual({ column: 'spend', direction: 'asc' });
    expect(parseJobSort('spend', undefined)).toEqual({ column: 'spend', direction: 'desc' });
    expect(parseJobSort('spend', 'sideways')).toEqual({ column: 'spend', direction: 'desc' });
    expect(parseJobSort('toString', 'asc')).toBeUndefined();
    expect(parseJobSort(undefined, 'asc')).toBeUndefined();
  });

  it('ranks priorities most urgent first, healthy jobs after P3', () => {
    expect([null, 'P3', 'P1', 'P2'].map((p) => priorityRank(p as never))).toEqual([4, 3, 1, 2]);
  });
});

describe("reading the page's filters from an address", () => {
  it('takes a known priority and trimmed text', () => {
    expect(parsePriority('P2')).toBe('P2');
    expect(parsePriority('p2')).toBeUndefined();
    expect(parseSearchText(' bob@example.com ')).toBe('bob@example.com');
    expect(parseSearchText('')).toBeUndefined();
    expect(parseSearchText(2024)).toBe('2024');
    expect(parseSearchText(['a'])).toBeUndefined();
  });
});

function run(runId: string, state: SparkRun['state'], durationSeconds: number | null): SparkRun {
  return { runId, state, durationSeconds, startTime: '2026-12-03T10:04:00Z' };
}

describe('sparklineBars', () => {
  it('draws the oldest run on the left and the newest at the right edge', () => {
    // given three runs, newest first as the API sends them
    const runs = [run('3', 'FAILED', 60), run('2', 'SUCCEEDED', 120), run('1', 'SUCCEEDED', 30)];

    // when drawn 100 wide in slots of 5 (20 runs)
    const bars = sparklineBars(runs, 100, 20);

    // then they fill the last three slots, oldest first
    expect(bars.map((bar) => bar.runId)).toEqual(['1', '2', '3']);
    expect(bars.map((bar) => bar.x)).toEqual([85, 90, 95]);
    expect(bars.every((bar) => bar.width === 4)).toBe(true);
  });

  it('scales heights to the longest run and stands them on the baseline', () => {
    const bars = sparklineBars([run('2', 'FAILED', 60), run('1', 'SUCCEEDED', 120)], 100, 20);

    expect(bars.map((bar) => [bar.height, bar.y])).toEqual([
      [20, 0],
      [10, 10],
    ]);
  });

  it('colours by outcome and says state, duration and start in UTC on hover', () => {
    const [bar] = sparklineBars([run('1', 'TIMED_OUT', 3840)], 100, 20);

    expect(bar?.tone).toBe('critical');
    expect(bar?.title).toBe('Timed out, 1h 04m, started 2026-12-03 10:04 UTC');
  });

  it('keeps a stub for a run without a duration yet', () => {
    const [done, running] = sparklineBars(
      [run('2', 'RUNNING', null), run('1', 'SUCCEEDED', 10)],
      100,
      20,
    );

    expect(done?.height).toBe(20);
    expect(running).toMatchObject({ height: 2, y: 18, tone: 'info' });
    expect(running?.title).toContain('no duration yet');
  });

  it('draws at most 20 runs, the newest ones', () => {
    const runs = Array.from({ length: 25 }, (_, i) => run(String(25 - i), 'SUCCEEDED', 10));

    const bars = sparklineBars(runs, 100, 20);

    expect(bars).toHaveLength(20);
    expect(bars[0]?.runId).toBe('6');
    expect(bars[0]?.x).toBe(0);
  });
});

describe('sparklineSummary', () => {
  it('says how the latest runs ended, the most frequent outcome first, and the newest', () => {
    const runs = [run('3', 'FAILED', 1), run('2', 'SUCCEEDED', 1), run('1', 'SUCCEEDED', 1)];

    expect(sparklineSummary(runs)).toBe('Latest 3 runs: 2 succeeded, 1 failed; the newest failed');
  });

  it('reads well for one run and for none', () => {
    expect(sparklineSummary([run('1', 'SUCCEEDED', 1)])).toBe(
      'Latest run: 1 succeeded; the newest succeeded',
    );
    expect(sparklineSummary([])).toBe('No runs');
  });
});

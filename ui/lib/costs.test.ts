import { describe, expect, it } from 'vitest';

import {
  anomaliesByJob,
  apiErrorsIn,
  causeText,
  changeText,
  changeTone,
  excessOf,
  formatChange,
  formatMoneyCompact,
  groupLabel,
  skuLabel,
  stackedDaily,
  zombieReasonText,
  type Anomaly,
  type AnomalyFacts,
  type SpendGroup,
} from './costs';
import { formatMoney } from './format';

describe('formatMoney', () => {
  it('shows large sums in whole units of their currency', () => {
    expect(formatMoney(59_804.546, 'USD')).toBe('$59,805');
    expect(formatMoney(100, 'EUR')).toBe('€100');
  });

  it('keeps the cents of small sums', () => {
    expect(formatMoney(42.681, 'USD')).toBe('$42.68');
    expect(formatMoney(0, 'USD')).toBe('$0.00');
  });

  it('shows a dash without a sum', () => {
    expect(formatMoney(null, 'USD')).toBe('—');
  });

  it('shortens sums on a chart axis', () => {
    expect([formatMoneyCompact(1250, 'USD'), formatMoneyCompact(850, 'USD')]).toEqual([
      '$1.25K',
      '$850',
    ]);
  });
});

describe('changeText', () => {
  it('says how spend changed against the window before, signed', () => {
    expect(changeText(0.1727, 50_996, 'LAST_30_DAYS')).toBe('+17% vs previous 30 days');
    expect(changeText(-0.0331, 14_700, 'LAST_7_DAYS')).toBe('−3.3% vs previous 7 days');
    expect(changeText(0.0004, 100, 'LAST_24_HOURS')).toBe('±0% vs previous 24 hours');
  });

  it('tells no spend before from billing that is no longer kept', () => {
    expect(changeText(null, 0, 'LAST_7_DAYS')).toBe('no spend in the previous 7 days');
    expect(changeText(null, null, 'LAST_365_DAYS')).toBe(
      'no billing kept for the previous 365 days',
    );
  });

  it('rounds to whole percents from 10% on', () => {
    expect(formatChange(0.7458)).toBe('+75%');
    expect(formatChange(0.0586)).toBe('+5.9%');
    expect(formatChange(-1)).toBe('−100%');
  });

  it('reads more spend as up and less as down', () => {
    expect([changeTone(0.2), changeTone(-0.2), changeTone(0), changeTone(null)]).toEqual([
      'up',
      'down',
      'flat',
      'flat',
    ]);
  });
});

describe('group labels', () => {
  it('turns SKUs into words without their tier', () => {
    expect(skuLabel('PREMIUM_JOBS_COMPUTE_(PHOTON)')).toBe('Jobs compute (Photon)');
    expect(skuLabel('PREMIUM_JOBS_SERVERLESS_COMPUTE_US_EAST_N_VIRGINIA')).toBe(
      'Jobs serverless compute · US East N Virginia',
    );
  });

  it('names compute types and the untagged team', () => {
    expect(groupLabel('COMPUTE_TYPE', 'JOBS_COMPUTE')).toBe('Jobs compute');
    expect(groupLabel('COMPUTE_TYPE', 'ALL_PURPOSE')).toBe('All-purpose clusters');
    expect(groupLabel('TEAM', null)).toBe('No team tag');
    expect(groupLabel('TEAM', 'finance')).toBe('finance');
  });
});

const facts = (overrides: Partial<AnomalyFacts>): AnomalyFacts => ({
  likelyCauses: [],
  definitionChangedAt: null,
  durationSeconds: null,
  baselineP90DurationSeconds: null,
  repairCount: 0,
  skus: ['PREMIUM_JOBS_COMPUTE'],
  baselineSkus: ['PREMIUM_JOBS_COMPUTE'],
  ...overrides,
});

describe('causeText', () => {
  it('puts every likely cause in words, in the API order', () => {
    // given a run after a definition change that ran longer on a Photon SKU
    const run = facts({
      likelyCauses: ['DEFINITION_CHANGED', 'LONGER_DURATION', 'DIFFERENT_SKU'],
      definitionChangedAt: '2026-11-25T18:27:05Z',
      durationSeconds: 3000,
      baselineP90DurationSeconds: 1600,
      skus: ['PREMIUM_JOBS_COMPUTE_(PHOTON)'],
    });

    // then each cause reads as a phrase
    expect(causeText(run, 'UTC')).toBe(
      'definition changed on 25 Nov; ran 1.9× longer (50m against 26m 40s); now on a Photon SKU',
    );
  });

  it('dates the change in the viewer’s time zone', () => {
    const late = facts({
      likelyCauses: ['DEFINITION_CHANGED'],
      definitionChangedAt: '2026-11-25T23:30:00Z',
    });

    expect(causeText(late, 'Asia/Tokyo')).toBe('definition changed on 26 Nov');
  });

  it('says which SKU or compute type is new', () => {
    expect(
      causeText(
        facts({
          likelyCauses: ['DIFFERENT_COMPUTE_TYPE', 'DIFFERENT_SKU'],
          skus: ['PREMIUM_JOBS_SERVERLESS_COMPUTE_US_EAST'],
        }),
      ),
    ).toBe('now on serverless compute; now on Jobs serverless compute · US East');
  });

  it('counts repairs and names retries', () => {
    expect(causeText(facts({ likelyCauses: ['MORE_REPAIRS', 'RETRY'], repairCount: 3 }))).toBe(
      'repaired 3 times; an automatic retry',
    );
  });

  it('says so when the data shows no cause', () => {
    expect(causeText(facts({}))).toBe('no likely cause shows in the data');
  });
});

const anomaly = (jobId: string, listCostUsd: number, p90: number): Anomaly => ({
  ...facts({}),
  run: { runId: `${jobId}-${String(listCostUsd)}` },
  job: { jobId, name: `job ${jobId}`, team: null },
  startTime: '2026-11-29T14:20:15Z',
  listCostUsd,
  baselineP90RunCostUsd: p90,
  ratio: listCostUsd / p90,
});

describe('anomaliesByJob', () => {
  it('gives each job one row, led by its costliest run', () => {
    // given two costly runs of job 1 around one of job 2 (largest excess first)
    const runs = [anomaly('1', 20, 6), anomaly('2', 15, 5), anomaly('1', 18, 6)];

    // when grouped
    const groups = anomaliesByJob(runs);

    // then job 1 comes first with both its runs and what they cost above its p90
    expect(groups.map((g) => [g.key, g.runs, g.listCostUsd, g.excessUsd])).toEqual([
      ['1', 2, 38, 26],
      ['2', 1, 15, 10],
    ]);
    expect(groups[0]?.costliest.listCostUsd).toBe(20);
  });

  it('puts the job whose runs added most above usual first', () => {
    // given the largest single excess, then a job with several smaller ones
    const runs = [
      anomaly('1', 20, 5),
      anomaly('2', 14, 5),
      anomaly('2', 14, 5),
      anomaly('2', 14, 5),
    ];

    // then the several smaller excesses, more in all, come first
    expect(anomaliesByJob(runs).map((g) => [g.key, g.excessUsd])).toEqual([
      ['2', 27],
      ['1', 15],
    ]);
  });

  it('sums the excess over p90 of any runs', () => {
    expect(excessOf([anomaly('1', 20, 6), anomaly('2', 15, 5)])).toBe(24);
  });
});

describe('zombieReasonText', () => {
  it('says why a job does no useful work, with the runs that show it', () => {
    expect(zombieReasonText('NO_SUCCESSFUL_RUN', 30, 970)).toBe(
      'No run succeeded (30 runs billed)',
    );
    expect(zombieReasonText('ONLY_SHORT_RUNS', 717, 42)).toBe(
      'Every run ended within a minute (717 runs billed, longest 42s)',
    );
  });
});

const group = (key: string | null, amounts: number[], attributable = true): SpendGroup => ({
  key,
  attributable,
  listCostUsd: amounts.reduce((a, b) => a + b, 0),
  daily: amounts.map((listCostUsd, i) => ({ date: `2026-11-0${String(i + 1)}`, listCostUsd })),
});

describe('stackedDaily', () => {
  it('stacks each group per day, biggest first', () => {
    // given two teams over two days
    const chart = stackedDaily('TEAM', [group('finance', [1, 2]), group('data-eng', [5, 6])]);

    // then each is a series and each day a row
    expect(chart.series).toEqual([
      { dataKey: 's0', label: 'data-eng', groups: ['data-eng'] },
      { dataKey: 's1', label: 'finance', groups: ['finance'] },
    ]);
    expect(chart.rows).toEqual([
      { date: '2026-11-01', s0: 5, s1: 1 },
      { date: '2026-11-02', s0: 6, s1: 2 },
    ]);
  });

  it('tops the axis with a round sum above the dearest day', () => {
    expect(stackedDaily('TEAM', [group('a', [1200, 900]), group('b', [1358, 100])]).top).toBe(3000);
  });

  it('sums the smallest groups as Other beyond the series it shows', () => {
    const groups = [group('a', [9]), group('b', [8]), group('c', [3]), group(null, [1])];

    const chart = stackedDaily('TEAM', groups, 3);

    expect(chart.series.map((s) => s.label)).toEqual(['a', 'b', 'Other (2)']);
    expect(chart.series[2]?.groups).toEqual(['c', null]);
    expect(chart.rows).toEqual([{ date: '2026-11-01', s0: 9, s1: 8, other: 4 }]);
  });

  it('leaves out spend outside the totals (all-purpose clusters)', () => {
    const chart = stackedDaily('COMPUTE_TYPE', [
      group('JOBS_COMPUTE', [4]),
      group('ALL_PURPOSE', [7], false),
    ]);

    expect(chart.series.map((s) => s.label)).toEqual(['Jobs compute']);
    expect(chart.rows).toEqual([{ date: '2026-11-01', s0: 4 }]);
  });
});

describe('apiErrorsIn', () => {
  it('picks the errors out of a request’s answers', () => {
    const warming = {
      __typename: 'WarehouseUnavailable',
      message: 'The SQL warehouse is STARTING.',
      code: 'WAREHOUSE_UNAVAILABLE',
      state: 'STARTING',
    };

    expect(apiErrorsIn([{ __typename: 'CostBreakdown' }, warming])).toEqual([warming]);
  });
});

import { describe, expect, it } from 'vitest';

import {
  clusterText,
  findingPresentation,
  formatUsage,
  retentionNote,
  savingText,
  shownSavings,
  unmeasurableTitle,
  unmeasuredRunsText,
  usageBar,
  usageBarText,
} from './utilization';

describe('formatUsage', () => {
  it('shows whole percents, rounding halves up', () => {
    expect(formatUsage(22.89)).toBe('23%');
    expect(formatUsage(31.5)).toBe('32%');
    expect(formatUsage(40)).toBe('40%');
    expect(formatUsage(100)).toBe('100%');
  });

  it('never shows a trace of load as idle', () => {
    expect(formatUsage(0.3)).toBe('<1%');
    expect(formatUsage(0)).toBe('0%');
  });

  it('shows a dash without a value', () => {
    expect(formatUsage(null)).toBe('—');
    expect(formatUsage(undefined)).toBe('—');
    expect(formatUsage(Number.NaN)).toBe('—');
  });
});

describe('usageBar', () => {
  it('draws each percentile as a share of a full scale', () => {
    expect(usageBar({ p50Percent: 20, p90Percent: 30, peakPercent: 50 })).toEqual({
      p50: 0.2,
      p90: 0.3,
      peak: 0.5,
    });
  });

  it('keeps the bar within the scale and in order', () => {
    expect(usageBar({ p50Percent: -5, p90Percent: 120, peakPercent: 90 })).toEqual({
      p50: 0,
      p90: 1,
      peak: 1,
    });
  });
});

describe('usageBarText', () => {
  it('says the figures and, for workers, the idle threshold', () => {
    const spread = { p50Percent: 22.89, p90Percent: 31.875, peakPercent: 46.655 };
    expect(usageBarText('Worker CPU', spread, 40)).toBe(
      'Worker CPU: p50 23%, p90 32%, peak 47%; under 40% counts as idle',
    );
    expect(usageBarText('Driver CPU', spread, null)).toBe('Driver CPU: p50 23%, p90 32%, peak 47%');
  });
});

describe('clusterText', () => {
  const fixed = {
    driverNodeType: 'c5d.4xlarge',
    workerNodeType: 'c5d.4xlarge',
    workers: 2,
    minWorkers: null,
    maxWorkers: null,
    autoscaling: false,
  };

  it('names a fixed size and its node types once when they are the same', () => {
    expect(clusterText(fixed)).toEqual({
      value: '2 workers',
      note: 'c5d.4xlarge workers and driver',
    });
    expect(clusterText({ ...fixed, workers: 1, driverNodeType: 'i3.xlarge' })).toEqual({
      value: '1 worker',
      note: 'c5d.4xlarge workers, i3.xlarge driver',
    });
  });

  it('names an autoscaling range', () => {
    expect(
      clusterText({ ...fixed, workers: null, minWorkers: 3, maxWorkers: 9, autoscaling: true }),
    ).toEqual({ value: '3–9 workers', note: 'autoscaling; c5d.4xlarge workers and driver' });
  });

  it('names a single-node cluster by its driver', () => {
    expect(clusterText({ ...fixed, workers: 0, workerNodeType: null })).toEqual({
      value: 'Single node',
      note: 'c5d.4xlarge driver',
    });
  });

  it('says when no shape was recorded', () => {
    expect(clusterText(null).value).toBe('—');
  });
});

describe('findings', () => {
  it('puts each kind in words, money to save in amber', () => {
    expect(findingPresentation('OVER_PROVISIONED')).toEqual({
      title: 'Over-provisioned',
      tone: 'warning',
    });
    expect(findingPresentation('CHEAPER_ON_JOB_COMPUTE').tone).toBe('warning');
    expect(findingPresentation('AT_AUTOSCALE_CEILING')).toEqual({
      title: 'At its autoscaling ceiling',
      tone: 'info',
    });
    expect(findingPresentation('AUTOSCALING_NEVER_EXERCISED').title).toBe('Autoscaling never used');
  });

  it('says a saving per month, or that a change saves nothing by itself', () => {
    expect(savingText(1522.038)).toBe('$1,522 a month');
    expect(savingText(32.4395)).toBe('$32.44 a month');
    expect(savingText(null)).toBe('no saving by itself');
  });
});

describe('unmeasurable', () => {
  it('names each reason', () => {
    expect(unmeasurableTitle('SERVERLESS')).toBe('Not measurable: serverless compute');
    expect(unmeasurableTitle('SHARED_CLUSTER')).toBe(
      'Not measurable: a shared all-purpose cluster',
    );
    expect(unmeasurableTitle('NO_DATA')).toBe('No CPU or memory data yet');
  });

  it('counts the runs it could not measure, by what they ran on', () => {
    expect(unmeasuredRunsText({ runs: 42, serverlessRuns: 42, sharedClusterRuns: 0 })).toBe(
      'In the window, 42 of its 42 runs ran on serverless compute.',
    );
    expect(unmeasuredRunsText({ runs: 7, serverlessRuns: 2, sharedClusterRuns: 5 })).toBe(
      'In the window, 2 of its 7 runs ran on serverless compute and 5 of its 7 runs used an all-purpose cluster.',
    );
    expect(unmeasuredRunsText({ runs: 0, serverlessRuns: 0, sharedClusterRuns: 0 })).toBe(
      'It had no runs in the window.',
    );
    expect(unmeasuredRunsText({ runs: 1, serverlessRuns: 0, sharedClusterRuns: 0 })).toBe(
      '1 run in the window, none with node data yet.',
    );
  });
});

describe('retentionNote', () => {
  it('speaks only of windows longer than node data is kept', () => {
    expect(retentionNote('LAST_90_DAYS')).toBeNull();
    expect(retentionNote('LAST_365_DAYS')).toContain('the last 90');
  });
});

describe('shownSavings', () => {
  const list = {
    jobCount: 3,
    estimatedMonthlySavingUsd: 160,
    jobs: [
      { job: { name: 'a', team: 'finance' }, estimatedMonthlySavingUsd: 100 },
      { job: { name: 'b', team: 'platform' }, estimatedMonthlySavingUsd: 50 },
    ],
  };

  it('keeps the API’s count and total over every job when nothing narrows the list', () => {
    expect(shownSavings(list, null)).toEqual({
      jobs: list.jobs,
      jobCount: 3,
      totalUsd: 160,
      cut: true,
    });
  });

  it('adds up the jobs a filter keeps', () => {
    const shown = shownSavings(list, (job) => job.team === 'platform');
    expect(shown.jobs.map((entry) => entry.job.name)).toEqual(['b']);
    expect(shown.jobCount).toBe(1);
    expect(shown.totalUsd).toBe(50);
  });
});

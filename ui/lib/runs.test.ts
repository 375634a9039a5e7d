import { describe, expect, it } from 'vitest';

import type { RunState } from '../gql/graphql';
import {
  activeRunProgress,
  comparedWithUsual,
  filterWords,
  jobMatchesFilters,
  newestFirst,
  runStateLabel,
  runStateTone,
  slaStatusPresentation,
  terminationCodeLabel,
} from './runs';
import { formatDuration, formatUtc } from './format';

describe('run states', () => {
  it('colours outcomes: successes green, failures red, active runs blue, the rest grey', () => {
    const states: RunState[] = ['SUCCEEDED', 'FAILED', 'TIMED_OUT', 'RUNNING', 'CANCELED'];

    expect(states.map((s) => [runStateLabel(s), runStateTone(s)])).toEqual([
      ['Succeeded', 'ok'],
      ['Failed', 'critical'],
      ['Timed out', 'critical'],
      ['Running', 'info'],
      ['Canceled', 'neutral'],
    ]);
  });

  it('marks a success with failed tasks amber', () => {
    expect(runStateTone('SUCCEEDED_WITH_FAILURES')).toBe('warning');
  });

  it('shows a state it does not know as unknown', () => {
    const future = 'PAUSED' as RunState;

    expect(runStateLabel(future)).toBe('Unknown');
    expect(runStateTone(future)).toBe('neutral');
  });
});

describe('comparedWithUsual', () => {
  it('says how many times longer than usual an overrunning run is', () => {
    expect(comparedWithUsual(3200, 1000)).toEqual({
      text: '3.2× longer than usual',
      tone: 'critical',
    });
    expect(comparedWithUsual(1600, 1000).tone).toBe('warning');
    expect(comparedWithUsual(1100, 1000)).toEqual({
      text: '1.1× longer than usual',
      tone: 'info',
    });
  });

  it('calls a run just past its usual time about usual', () => {
    expect(comparedWithUsual(1020, 1000).text).toBe('About its usual time');
  });

  it('shows a run within its usual time as a share of it', () => {
    expect(comparedWithUsual(300, 600)).toEqual({
      text: '50% of the usual 10m',
      tone: 'info',
    });
  });

  it('says so when there is nothing to compare with', () => {
    expect(comparedWithUsual(300, null).text).toBe('No usual duration yet');
    expect(comparedWithUsual(null, 600).text).toBe('Not started yet');
  });
});

describe('terminationCodeLabel', () => {
  it('turns a code into words', () => {
    expect(terminationCodeLabel('RUN_EXECUTION_ERROR')).toBe('Run execution error');
  });

  it('says when the runs recorded no code', () => {
    expect(terminationCodeLabel(null)).toBe('No code recorded');
  });
});

describe('formatDuration', () => {
  it('shows at most two units, the second padded', () => {
    expect([45, 180, 185, 3840, 7200, 2 * 86_400 + 3 * 3600].map((s) => formatDuration(s))).toEqual(
      ['45s', '3m', '3m 05s', '1h 04m', '2h 00m', '2d 03h'],
    );
  });

  it('shows a dash without a duration', () => {
    expect(formatDuration(null)).toBe('—');
  });
});

describe('activeRunProgress', () => {
  it('tells a queued run only how long it has waited, never against a run duration', () => {
    expect(activeRunProgress('QUEUED', 185, 600)).toEqual({
      kind: 'waiting',
      text: 'waiting 3m 05s',
    });
    expect(activeRunProgress('BLOCKED', 60, null).kind).toBe('waiting');
  });

  it('draws a running run against its usual duration', () => {
    expect(activeRunProgress('RUNNING', 300, 600)).toEqual({
      kind: 'running',
      text: '50% of the usual 10m',
      tone: 'info',
      fill: 0.5,
      usualAt: 1,
    });
  });

  it('stretches the track when a run goes past its usual duration', () => {
    const progress = activeRunProgress('RUNNING', 2000, 500);

    expect(progress).toMatchObject({ fill: 1, usualAt: 0.25, tone: 'critical' });
  });

  it('draws no bar without a usual duration', () => {
    expect(activeRunProgress('PENDING', 300, null)).toMatchObject({
      text: 'No usual duration yet',
      fill: 0,
      usualAt: null,
    });
  });
});

describe('slaStatusPresentation', () => {
  it('names where a run stands against its target', () => {
    expect(slaStatusPresentation('BREACHED')).toEqual({ label: 'Target missed', tone: 'critical' });
    expect(slaStatusPresentation('AT_RISK').tone).toBe('warning');
    expect(slaStatusPresentation(null).label).toBe('Not known yet');
  });
});

describe('jobMatchesFilters', () => {
  const job = { name: 'prod-Sales-daily', team: 'Finance' };

  it('matches the team ignoring case', () => {
    expect(jobMatchesFilters(job, { team: 'finance', q: '' })).toBe(true);
    expect(jobMatchesFilters(job, { team: 'platform', q: '' })).toBe(false);
  });

  it('finds plain text anywhere in the name and wildcards against the whole name', () => {
    expect(jobMatchesFilters(job, { team: null, q: 'sales' })).toBe(true);
    expect(jobMatchesFilters(job, { team: null, q: 'prod-*-daily' })).toBe(true);
    expect(jobMatchesFilters(job, { team: null, q: 'prod-*' })).toBe(true);
    expect(jobMatchesFilters(job, { team: null, q: '*-weekly' })).toBe(false);
    expect(jobMatchesFilters({ name: 'a.b', team: null }, { team: null, q: 'a?b' })).toBe(true);
    expect(jobMatchesFilters({ name: 'axb', team: null }, { team: null, q: 'a.b' })).toBe(false);
  });

  it('lets everything through without filters, and nothing without a job once filtered', () => {
    expect(jobMatchesFilters(null, { team: null, q: '' })).toBe(true);
    expect(jobMatchesFilters(null, { team: 'finance', q: '' })).toBe(false);
  });
});

describe('newestFirst', () => {
  it('orders runs by start, newest first, and ties by run id', () => {
    const runs = [
      { runId: '9', startTime: '2026-12-03T10:00:00Z' },
      { runId: '10', startTime: '2026-12-03T11:00:00+00:00' },
      { runId: '11', startTime: '2026-12-03T10:00:00.000000+00:00' },
    ];

    expect(newestFirst(runs).map((r) => r.runId)).toEqual(['10', '11', '9']);
  });
});

describe('formatUtc', () => {
  it('shows the instant in UTC to the minute', () => {
    expect(formatUtc(new Date('2026-12-03T11:04:59+01:00'))).toBe('2026-12-03 10:04 UTC');
  });
});

describe('filterWords', () => {
  it('names the filters that apply', () => {
    expect(filterWords({ team: 'finance', q: 'sales' })).toBe('team “finance” and name “sales”');
    expect(filterWords({ team: null, q: 'prod-*' })).toBe('name “prod-*”');
  });
});

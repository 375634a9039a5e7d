import { describe, expect, it } from 'vitest';

import type { RunState } from '../gql/graphql';
import { comparedWithUsual, runStateLabel, runStateTone, terminationCodeLabel } from './runs';

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
      text: '50% of the usual 10 min',
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

import { describe, expect, it } from 'vitest';

import { priorityPresentation } from './priority';

describe('priorityPresentation', () => {
  it('colours P1 red, P2 amber, P3 blue and a healthy job green', () => {
    expect(
      (['P1', 'P2', 'P3', null] as const).map((p) => {
        const { label, tone } = priorityPresentation(p);
        return [label, tone];
      }),
    ).toEqual([
      ['P1', 'critical'],
      ['P2', 'warning'],
      ['P3', 'info'],
      ['Healthy', 'ok'],
    ]);
  });

  it('explains P1 as a failing streak', () => {
    expect(priorityPresentation('P1').reason).toBe('Failed twice or more in a row');
  });
});

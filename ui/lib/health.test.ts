import { describe, expect, it } from 'vitest';

import type { HealthStatus } from '../gql/graphql';
import {
  checkLabel,
  healthStatusLabel,
  healthSummary,
  healthTone,
  serviceModeLabel,
} from './health';

describe('health status presentation', () => {
  it('gives each status its own tone and label', () => {
    // given the three statuses of the API contract
    const statuses: HealthStatus[] = ['OK', 'DEGRADED', 'DOWN'];

    // when they are presented
    const shown = statuses.map((s) => [healthStatusLabel(s), healthTone(s)]);

    // then each reads differently and maps to a distinct colour family
    expect(shown).toEqual([
      ['Operational', 'ok'],
      ['Degraded', 'warning'],
      ['Down', 'critical'],
    ]);
  });

  it('summarises the overall status in a sentence', () => {
    expect(healthSummary('OK')).toBe('All systems operational');
    expect(healthSummary('DOWN')).toBe('A dependency is down');
  });

  it('shows a status it does not know as unknown instead of failing', () => {
    // given a status a newer service might send
    const future = 'MAINTENANCE' as HealthStatus;

    // then it renders neutrally
    expect(healthStatusLabel(future)).toBe('Unknown');
    expect(healthTone(future)).toBe('neutral');
  });
});

describe('checkLabel', () => {
  it('names the known dependencies in the user words', () => {
    expect(checkLabel('workspace')).toBe('Databricks workspace');
    expect(checkLabel('warehouse')).toBe('SQL warehouse');
    expect(checkLabel('jobs')).toBe('Jobs API');
  });

  it('turns an unknown check name into a readable label', () => {
    expect(checkLabel('lakebase_db')).toBe('Lakebase db');
  });
});

describe('serviceModeLabel', () => {
  it('names the two run modes', () => {
    expect(serviceModeLabel('local')).toBe('Local workspace');
    expect(serviceModeLabel('APPS')).toBe('Databricks App');
  });

  it('passes an unknown mode through', () => {
    expect(serviceModeLabel('staging')).toBe('staging');
  });
});

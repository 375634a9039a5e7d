import { describe, expect, it } from 'vitest';

import { parseReportParam, reportPresentation } from './reports';

describe('reports', () => {
  it('reads the report from the address, and nothing else', () => {
    expect(parseReportParam('weekly')).toBe('weekly');
    expect(parseReportParam('WEEKLY')).toBeUndefined();
    expect(parseReportParam(3)).toBeUndefined();
  });

  it('names each report and the API’s kind for it', () => {
    expect(reportPresentation('monthly')).toMatchObject({
      kind: 'MONTHLY',
      name: 'Monthly executive',
    });
    expect(reportPresentation('daily').kind).toBe('DAILY');
  });
});

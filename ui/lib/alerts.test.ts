import { describe, expect, it } from 'vitest';

import {
  acknowledgeUntil,
  alertKindLabel,
  alertsText,
  describeAlertChangeError,
  groupBySeverity,
  localInputValue,
  openAlertsSummary,
  parseAlertKind,
  parseSeverities,
  severitiesParam,
  severityPresentation,
} from './alerts';

const alert = (id: string, severity: 'P1' | 'P2' | 'P3') => ({ id, severity });

describe('groupBySeverity', () => {
  it('puts the loaded alerts under their severity, P1 first, in the order the API sent them', () => {
    const sections = groupBySeverity(
      [alert('b', 'P2'), alert('a', 'P1'), alert('c', 'P1'), alert('d', 'P3')],
      [
        { severity: 'P1', count: 2 },
        { severity: 'P2', count: 1 },
        { severity: 'P3', count: 1 },
      ],
    );
    expect(sections.map((s) => [s.severity, s.count, s.alerts.map((a) => a.id)])).toEqual([
      ['P1', 2, ['a', 'c']],
      ['P2', 1, ['b']],
      ['P3', 1, ['d']],
    ]);
  });

  it('counts every alert of a severity, also those on pages not loaded yet', () => {
    const sections = groupBySeverity(
      [alert('a', 'P1')],
      [
        { severity: 'P1', count: 40 },
        { severity: 'P2', count: 7 },
        { severity: 'P3', count: 0 },
      ],
    );
    expect(sections.map((s) => [s.severity, s.count, s.alerts.length])).toEqual([
      ['P1', 40, 1],
      ['P2', 7, 0],
    ]);
  });

  it('leaves out severities without alerts, and has no section at all without any', () => {
    expect(groupBySeverity([], [{ severity: 'P1', count: 0 }])).toEqual([]);
    expect(groupBySeverity([alert('a', 'P3')], []).map((s) => [s.severity, s.count])).toEqual([
      ['P3', 1],
    ]);
  });
});

describe('severities and kinds in the address', () => {
  it('reads a list of severities in severity order, ignoring what is not one', () => {
    expect(parseSeverities('P2,p1,P7')).toEqual(['P1', 'P2']);
    expect(parseSeverities('P3')).toEqual(['P3']);
  });

  it('takes none, all three, or anything but text as no filter', () => {
    expect(parseSeverities('')).toBeUndefined();
    expect(parseSeverities('P1,P2,P3')).toBeUndefined();
    expect(parseSeverities(['P1'])).toBeUndefined();
  });

  it('writes the chosen severities back, and nothing when they mean any', () => {
    expect(severitiesParam(['P2', 'P1'])).toBe('P1,P2');
    expect(severitiesParam([])).toBeUndefined();
    expect(severitiesParam(['P1', 'P2', 'P3'])).toBeUndefined();
  });

  it('knows each kind by name', () => {
    expect(parseAlertKind('FAILURE_STREAK')).toBe('FAILURE_STREAK');
    expect(parseAlertKind('failure_streak')).toBeUndefined();
    expect(alertKindLabel('BUDGET_FORECAST_TO_BREACH')).toBe('Budget on pace to run out');
    expect(parseAlertKind('OVER_PROVISIONED')).toBe('OVER_PROVISIONED');
    expect(parseAlertKind('ROW_COUNT_ANOMALY')).toBe('ROW_COUNT_ANOMALY');
    expect(alertKindLabel('SCHEMA_DRIFT')).toBe('Schema drift');
  });

  it('colours P1 red, P2 amber and P3 blue', () => {
    expect((['P1', 'P2', 'P3'] as const).map((s) => severityPresentation(s).tone)).toEqual([
      'critical',
      'warning',
      'info',
    ]);
  });
});

describe('openAlertsSummary', () => {
  it('counts every open alert and says how many of each severity', () => {
    const summary = openAlertsSummary([
      { severity: 'P1', count: 21 },
      { severity: 'P2', count: 20 },
      { severity: 'P3', count: 0 },
    ]);
    expect(summary).toEqual({
      total: 41,
      tone: 'critical',
      detail: '41 open alerts: 21 P1, 20 P2',
    });
  });

  it('is amber without P1s and neutral without any', () => {
    expect(openAlertsSummary([{ severity: 'P2', count: 1 }]).tone).toBe('warning');
    expect(openAlertsSummary([{ severity: 'P3', count: 1 }]).detail).toBe('1 open alert: 1 P3');
    expect(openAlertsSummary([]).tone).toBe('neutral');
    expect(openAlertsSummary([]).detail).toBe('No open alerts');
  });

  it('words a count of alerts', () => {
    expect(alertsText(1)).toBe('1 alert');
    expect(alertsText(1200)).toBe('1,200 alerts');
  });
});

describe('acknowledgeUntil', () => {
  const now = Date.UTC(2026, 11, 3, 15, 0);

  it('adds 4 hours, a day or a week to now', () => {
    const until = (choice: '4h' | '1d' | '1w') => {
      const answer = acknowledgeUntil(choice, now);
      return 'until' in answer ? answer.until.toISOString() : answer.error;
    };
    expect(until('4h')).toBe('2026-12-03T19:00:00.000Z');
    expect(until('1d')).toBe('2026-12-04T15:00:00.000Z');
    expect(until('1w')).toBe('2026-12-10T15:00:00.000Z');
  });

  it('takes a chosen time in the viewer’s zone', () => {
    const chosen = new Date(now + 26 * 3600 * 1000);
    const answer = acknowledgeUntil('until', now, localInputValue(chosen));
    expect(answer).toEqual({ until: chosen });
  });

  it('refuses no time, a time past, and one more than 30 days ahead, in words', () => {
    expect(acknowledgeUntil('until', now, '')).toEqual({
      error: 'Choose the day and time it should last until.',
    });
    expect(acknowledgeUntil('until', now, 'soon')).toEqual({
      error: 'That is not a date and time.',
    });
    expect(acknowledgeUntil('until', now, localInputValue(new Date(now - 60_000)))).toEqual({
      error: 'Choose a time in the future.',
    });
    expect(
      acknowledgeUntil('until', now, localInputValue(new Date(now + 31 * 24 * 3600 * 1000))),
    ).toEqual({ error: 'An acknowledgement lasts at most 30 days.' });
  });

  it('writes a datetime-local value to the minute', () => {
    expect(localInputValue(new Date(2026, 0, 5, 9, 7, 30))).toBe('2026-01-05T09:07');
  });
});

describe('describeAlertChangeError', () => {
  it('says a write that failed was not saved, in the API’s words', () => {
    expect(
      describeAlertChangeError({
        __typename: 'StateWriteFailed',
        code: 'STATE_WRITE_FAILED',
        message: 'The alert acknowledgement was not saved. Nothing was changed; try again.',
      }),
    ).toEqual({
      title: 'Not saved',
      detail: 'The alert acknowledgement was not saved. Nothing was changed; try again.',
    });
  });

  it('says an alert that is gone may have cleared', () => {
    expect(
      describeAlertChangeError({
        __typename: 'NotFound',
        code: 'NOT_FOUND',
        message: 'No alert X.',
      }).title,
    ).toBe('This alert is no longer there');
  });
});

import { describe, expect, it } from 'vitest';

import {
  budgetBar,
  budgetBarText,
  budgetStatusPresentation,
  describeBudgetError,
  monthLabel,
  monthlyUsdText,
  parseMonthlyUsd,
} from './budgets';

describe('budgetBar', () => {
  it('draws spend and forecast against the budget when both are under it', () => {
    expect(budgetBar({ monthlyUsd: 1000, monthToDateUsd: 250, forecastUsd: 800 })).toEqual({
      spent: 0.25,
      forecast: 0.8,
      limit: 1,
    });
  });

  it('stretches to a forecast past the budget, the budget a mark before the end', () => {
    expect(budgetBar({ monthlyUsd: 1000, monthToDateUsd: 500, forecastUsd: 2000 })).toEqual({
      spent: 0.25,
      forecast: 1,
      limit: 0.5,
    });
  });

  it('never draws the forecast short of the spend so far', () => {
    expect(budgetBar({ monthlyUsd: 100, monthToDateUsd: 50, forecastUsd: 10 })).toEqual({
      spent: 0.5,
      forecast: 0.5,
      limit: 1,
    });
  });

  it('draws nothing of nothing', () => {
    expect(budgetBar({ monthlyUsd: 0, monthToDateUsd: 0, forecastUsd: Number.NaN })).toEqual({
      spent: 0,
      forecast: 0,
      limit: 0,
    });
  });

  it('says the bar in words', () => {
    expect(budgetBarText({ monthlyUsd: 1000, monthToDateUsd: 250, forecastUsd: 800 })).toBe(
      '$250 spent of a $1,000 budget (25%); forecast $800 for the month',
    );
  });
});

describe('budgetStatusPresentation', () => {
  it('is green within, amber on pace to exceed, red over', () => {
    expect(
      (['WITHIN', 'FORECAST_TO_BREACH', 'BREACHED'] as const).map((s) => {
        const { label, tone } = budgetStatusPresentation(s);
        return [label, tone];
      }),
    ).toEqual([
      ['Within budget', 'ok'],
      ['On pace to exceed', 'warning'],
      ['Over budget', 'critical'],
    ]);
  });
});

describe('parseMonthlyUsd', () => {
  it('reads dollars as people type them', () => {
    expect(parseMonthlyUsd('1500')).toEqual({ usd: 1500 });
    expect(parseMonthlyUsd(' $1,500.505 ')).toEqual({ usd: 1500.51 });
  });

  it('refuses nothing, no number, zero and more than the API takes, in words', () => {
    expect(parseMonthlyUsd('')).toEqual({ error: 'Enter the monthly budget in US dollars.' });
    expect(parseMonthlyUsd('lots')).toEqual({ error: 'Enter a sum in US dollars, such as 1500.' });
    expect(parseMonthlyUsd('0')).toEqual({ error: 'The budget must be more than $0.' });
    expect(parseMonthlyUsd('200000000')).toEqual({
      error: 'The budget can be at most $100,000,000 a month.',
    });
  });

  it('writes a budget back as it would be typed', () => {
    expect(monthlyUsdText(1500)).toBe('1500');
    expect(monthlyUsdText(99.5)).toBe('99.5');
    expect(monthlyUsdText(null)).toBe('');
  });
});

describe('the month and errors', () => {
  it('names the month in UTC', () => {
    expect(monthLabel('2026-12-01')).toBe('December 2026');
  });

  it('says a refusal in the API’s words', () => {
    expect(
      describeBudgetError({
        __typename: 'PermissionDenied',
        code: 'PERMISSION_DENIED',
        message: 'Changing a team’s budget needs a workspace admin; bob is not one.',
      }),
    ).toEqual({
      title: 'You may not change this budget',
      detail: 'Changing a team’s budget needs a workspace admin; bob is not one.',
    });
  });
});

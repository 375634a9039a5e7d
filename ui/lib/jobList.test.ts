import { describe, expect, it } from 'vitest';

import {
  FIRST_PAGE,
  jobOrderBy,
  namePatternFor,
  nextPage,
  pageNumber,
  parseJobOrder,
  parseSearchText,
  previousPage,
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

describe('job orders', () => {
  it('orders failures and regressions worst first, success rates lowest first', () => {
    expect(jobOrderBy('failures')).toEqual({ field: 'FAILURES', direction: 'DESC' });
    expect(jobOrderBy('success-rate')).toEqual({ field: 'SUCCESS_RATE', direction: 'ASC' });
    expect(jobOrderBy('regression')).toEqual({ field: 'DURATION_REGRESSION', direction: 'DESC' });
    expect(jobOrderBy('last-run')).toEqual({ field: 'LAST_RUN', direction: 'DESC' });
    expect(jobOrderBy('name')).toEqual({ field: 'NAME', direction: 'ASC' });
  });

  it('reads an order and search text from an address', () => {
    expect(parseJobOrder('failures')).toBe('failures');
    expect(parseJobOrder('FAILURES')).toBeUndefined();
    expect(parseSearchText(' etl ')).toBe('etl');
    expect(parseSearchText('')).toBeUndefined();
    expect(parseSearchText(2024)).toBe('2024');
    expect(parseSearchText(['a'])).toBeUndefined();
  });
});

describe('page trail', () => {
  it('goes forward by end cursors and back to where it came from', () => {
    // given two pages forward
    const second = nextPage(FIRST_PAGE, 'c1');
    const third = nextPage(second, 'c2');
    expect(third.current).toBe('c2');
    expect(pageNumber(third)).toBe(3);

    // when going back twice
    const back = previousPage(third);
    const first = previousPage(back);

    // then it is on the same pages again
    expect(back).toEqual(second);
    expect(first).toEqual(FIRST_PAGE);
    expect(pageNumber(first)).toBe(1);
  });

  it('stays on the first page when going back from it', () => {
    expect(previousPage(FIRST_PAGE)).toBe(FIRST_PAGE);
  });
});

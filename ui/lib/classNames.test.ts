import { describe, expect, it } from 'vitest';

import { cx } from './classNames';

describe('cx', () => {
  it('joins the names that apply and skips the rest', () => {
    expect(cx('card', false, undefined, null, '', 'card--busy')).toBe('card card--busy');
  });
});

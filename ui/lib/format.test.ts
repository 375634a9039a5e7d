import { describe, expect, it } from 'vitest';

import { formatLatency, formatTimeOfDay } from './format';

describe('formatLatency', () => {
  it('shows milliseconds below a second', () => {
    expect(formatLatency(12.4)).toBe('12 ms');
    expect(formatLatency(999.4)).toBe('999 ms');
  });

  it('shows sub-millisecond latencies without rounding them to zero', () => {
    expect(formatLatency(0.2)).toBe('<1 ms');
  });

  it('switches to seconds from one second on', () => {
    expect(formatLatency(1000)).toBe('1.0 s');
    expect(formatLatency(2345)).toBe('2.3 s');
    expect(formatLatency(15_400)).toBe('15 s');
  });

  it('shows a dash when the latency was not measured', () => {
    expect(formatLatency(null)).toBe('—');
    expect(formatLatency(undefined)).toBe('—');
    expect(formatLatency(Number.NaN)).toBe('—');
  });
});

describe('formatTimeOfDay', () => {
  it('shows a 24-hour time of day', () => {
    // given an instant and a fixed zone
    const instant = new Date(Date.UTC(2026, 10, 25, 23, 4, 5));

    // then it reads as hours, minutes and seconds
    expect(formatTimeOfDay(instant, 'en-GB', 'UTC')).toBe('23:04:05');
  });
});

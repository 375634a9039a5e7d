import { describe, expect, it } from 'vitest';

import {
  formatCount,
  formatDay,
  formatDuration,
  formatLatency,
  formatPercent,
  formatRatio,
  formatTimeAgo,
  formatTimeOfDay,
} from './format';

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

describe('formatDuration', () => {
  it('uses seconds below a minute', () => {
    expect(formatDuration(0)).toBe('0 s');
    expect(formatDuration(44.6)).toBe('45 s');
  });

  it('uses minutes and seconds below an hour, leaving out zero seconds', () => {
    expect(formatDuration(725)).toBe('12 min 5 s');
    expect(formatDuration(600)).toBe('10 min');
  });

  it('uses hours and two-digit minutes below a day', () => {
    expect(formatDuration(2 * 3600 + 5 * 60 + 40)).toBe('2 h 05 min');
  });

  it('uses days and hours from a day on', () => {
    expect(formatDuration(3 * 86_400 + 4 * 3600)).toBe('3 d 4 h');
    expect(formatDuration(86_400)).toBe('1 d');
  });

  it('shows a dash without a duration', () => {
    expect(formatDuration(null)).toBe('—');
    expect(formatDuration(-1)).toBe('—');
  });
});

describe('formatPercent', () => {
  it('shows a share as a percentage with at most one decimal', () => {
    expect(formatPercent(1)).toBe('100%');
    expect(formatPercent(0)).toBe('0%');
    expect(formatPercent(0.8766)).toBe('87.7%');
    expect(formatPercent(0.5)).toBe('50%');
  });

  it('never rounds an imperfect rate up to 100% or a tiny one down to 0%', () => {
    expect(formatPercent(0.9999)).toBe('>99.9%');
    expect(formatPercent(0.0001)).toBe('<0.1%');
  });

  it('shows a dash without a rate', () => {
    expect(formatPercent(null)).toBe('—');
  });
});

describe('formatCount and formatRatio', () => {
  it('groups thousands', () => {
    expect(formatCount(12_345)).toBe('12,345');
  });

  it('shows a ratio with one decimal and a multiplication sign', () => {
    expect(formatRatio(1.84)).toBe('1.8×');
    expect(formatRatio(12.4)).toBe('12×');
    expect(formatRatio(null)).toBe('—');
  });
});

describe('formatTimeAgo', () => {
  const now = new Date(Date.UTC(2026, 10, 26, 12, 0, 0));

  it('reads coarsely, from just now to days', () => {
    expect(formatTimeAgo(new Date(now.getTime() - 20_000), now)).toBe('just now');
    expect(formatTimeAgo(new Date(now.getTime() - 5 * 60_000), now)).toBe('5 min ago');
    expect(formatTimeAgo(new Date(now.getTime() - 3 * 3_600_000), now)).toBe('3 h ago');
    expect(formatTimeAgo(new Date(now.getTime() - 50 * 3_600_000), now)).toBe('2 d ago');
  });

  it('treats a time slightly in the future (clock skew) as just now', () => {
    expect(formatTimeAgo(new Date(now.getTime() + 5_000), now)).toBe('just now');
  });
});

describe('formatDay', () => {
  it('shows a UTC day as day and month', () => {
    expect(formatDay('2026-11-05')).toBe('5 Nov');
  });

  it('passes a value it cannot read through', () => {
    expect(formatDay('soon')).toBe('soon');
  });
});

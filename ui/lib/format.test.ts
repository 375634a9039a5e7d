import { describe, expect, it } from 'vitest';

import {
  formatCount,
  formatDay,
  formatDuration,
  formatLatency,
  formatMoney,
  formatPercent,
  formatRatio,
  formatTimeAgo,
  formatTimeOfDay,
  formatUtc,
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
    expect(formatDuration(0)).toBe('0s');
    expect(formatDuration(44.6)).toBe('45s');
  });

  it('uses minutes and two-digit seconds below an hour, leaving out zero seconds', () => {
    expect(formatDuration(725)).toBe('12m 05s');
    expect(formatDuration(600)).toBe('10m');
  });

  it('uses hours and two-digit minutes below a day', () => {
    expect(formatDuration(3840)).toBe('1h 04m');
    expect(formatDuration(2 * 3600)).toBe('2h 00m');
  });

  it('uses days and two-digit hours from a day on', () => {
    expect(formatDuration(3 * 86_400 + 4 * 3600)).toBe('3d 04h');
  });

  it('rounds to the second before choosing units', () => {
    expect(formatDuration(59.6)).toBe('1m');
  });

  it('shows a dash without a duration', () => {
    expect(formatDuration(null)).toBe('—');
    expect(formatDuration(undefined)).toBe('—');
    expect(formatDuration(-1)).toBe('—');
  });
});

describe('formatMoney', () => {
  it('shows whole units with the currency from 100 on', () => {
    expect(formatMoney(59_804.546, 'USD')).toBe('$59,805');
    expect(formatMoney(100, 'EUR')).toBe('€100');
  });

  it('keeps cents below 100, so small sums stay apart', () => {
    expect(formatMoney(42.681, 'USD')).toBe('$42.68');
    expect(formatMoney(0, 'USD')).toBe('$0.00');
  });

  it('shows a dash without a sum', () => {
    expect(formatMoney(null, 'USD')).toBe('—');
    expect(formatMoney(Number.NaN, 'USD')).toBe('—');
  });
});

describe('formatUtc', () => {
  it('shows an instant in UTC whatever zone it was written in', () => {
    expect(formatUtc(new Date('2026-12-03T11:04:59+01:00'))).toBe('2026-12-03 10:04 UTC');
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

import { describe, expect, it } from 'vitest';

import {
  anomalousWrites,
  baselineBand,
  chartSummary,
  deltaText,
  formatAnomalyPercent,
  formatDelta,
  formatRows,
  formatRowsCompact,
  longerWindowForChanges,
  markPath,
  rowsAxisTop,
  schemaChangeDetail,
  schemaChangeLabel,
  schemaChangeTone,
  tableVerdict,
  writeMark,
  writePoints,
  writesSpan,
  type TableWriteFacts,
} from './tableWrites';

function write(overrides: Partial<TableWriteFacts> = {}): TableWriteFacts {
  return {
    version: 10,
    committedAt: '2026-12-03T00:38:00Z',
    runId: '700',
    operation: 'WRITE',
    rows: 1000,
    baselineRows: 1000,
    deltaPercent: 0,
    anomaly: false,
    emptyRun: false,
    ...overrides,
  };
}

describe('baselineBand', () => {
  it('is the median of the previous writes plus and minus the anomaly threshold', () => {
    const band = baselineBand(3716.5, 20);
    expect(band?.low).toBeCloseTo(2973.2);
    expect(band?.high).toBeCloseTo(4459.8);
  });

  it('never goes below no rows', () => {
    expect(baselineBand(100, 150)).toEqual({ low: 0, high: 250 });
  });

  it('is not drawn without a baseline (fewer than 3 earlier writes)', () => {
    expect(baselineBand(null, 20)).toBeNull();
  });
});

describe('writeMark', () => {
  it('marks an empty run as such, whatever its delta', () => {
    expect(writeMark(write({ rows: 0, deltaPercent: -100, anomaly: true, emptyRun: true }))).toBe(
      'empty',
    );
  });

  it('tells writes above the band from those below it', () => {
    expect(writeMark(write({ deltaPercent: -71.3, anomaly: true }))).toBe('below');
    expect(writeMark(write({ deltaPercent: 45, anomaly: true }))).toBe('above');
  });

  it('marks a write without a baseline as not judged, and the rest as within the band', () => {
    expect(writeMark(write({ baselineRows: null, deltaPercent: null }))).toBe('unjudged');
    expect(writeMark(write({ deltaPercent: 5 }))).toBe('usual');
  });
});

describe('writePoints', () => {
  it('draws the writes with rows oldest first, each with its band', () => {
    const points = writePoints(
      [
        write({ version: 3, committedAt: '2026-12-03T00:00:00Z', rows: 300, baselineRows: 1000 }),
        write({ version: 2, committedAt: '2026-12-02T00:00:00Z', rows: null }),
        write({ version: 1, committedAt: '2026-12-01T00:00:00Z', baselineRows: null }),
      ],
      20,
    );
    expect(points.map((p) => [p.version, p.band])).toEqual([
      [1, null],
      [3, [800, 1200]],
    ]);
    expect(points[0]?.time).toBe(Date.parse('2026-12-01T00:00:00Z'));
  });
});

describe('rowsAxisTop', () => {
  it('is a round value above every write and every band', () => {
    const points = writePoints([write({ rows: 1067, baselineRows: 3716.5 })], 20);
    expect(rowsAxisTop(points)).toBe(5000);
  });

  it('is 1 when nothing was written', () => {
    expect(rowsAxisTop(writePoints([write({ rows: 0, baselineRows: null })], 20))).toBe(1);
  });
});

describe('writesSpan', () => {
  it('runs from the oldest write to when the writes were read', () => {
    const points = writePoints([write({ committedAt: '2026-12-01T00:00:00Z' })], 20);
    const now = Date.parse('2026-12-03T12:00:00Z');
    expect(writesSpan(points, now)).toEqual({
      fromMs: Date.parse('2026-12-01T00:00:00Z'),
      toMs: now,
    });
  });

  it('spans at least an hour', () => {
    const now = Date.parse('2026-12-03T12:00:00Z');
    expect(writesSpan([], now)).toEqual({ fromMs: now - 3_600_000, toMs: now });
  });
});

describe('formatting rows and deltas', () => {
  it('writes rows in full, and short on an axis', () => {
    expect(formatRows(11_659_411)).toBe('11,659,411');
    expect(formatRows(0)).toBe('0');
    expect(formatRows(null)).toBe('—');
    expect([
      formatRowsCompact(15_000_000),
      formatRowsCompact(2500),
      formatRowsCompact(800),
    ]).toEqual(['15M', '2.5K', '800']);
  });

  it('signs a delta, in whole percents from 10 % on', () => {
    expect(formatDelta(-71.29)).toBe('−71%');
    expect(formatDelta(5.2917)).toBe('+5.3%');
    expect(formatDelta(-100)).toBe('−100%');
    expect(formatDelta(0.01)).toBe('±0%');
    expect(formatDelta(null)).toBe('—');
  });

  it('says a delta in words, against the baseline', () => {
    expect(deltaText({ baselineRows: 3716.5, deltaPercent: -71.29 })).toBe(
      '71% below its baseline of 3,717 rows',
    );
    expect(deltaText({ baselineRows: 18049.5, deltaPercent: 6.76 })).toBe(
      '6.8% above its baseline of 18,050 rows',
    );
    expect(deltaText({ baselineRows: null, deltaPercent: null })).toBe(
      'no baseline yet: fewer than 3 earlier writes',
    );
  });

  it('writes the threshold as the setting reads', () => {
    expect([formatAnomalyPercent(20), formatAnomalyPercent(12.5)]).toEqual(['20%', '12.5%']);
  });
});

describe('tableVerdict', () => {
  const table = { historyRead: true, anomalousWrites: 0, emptyRuns: 0, writes: [1, 2] };

  it('says rows are as usual when nothing stands out', () => {
    expect(tableVerdict(table)).toEqual({ tone: 'ok', text: 'Rows as usual' });
  });

  it('counts empty runs apart from the other writes outside the band', () => {
    expect(tableVerdict({ ...table, anomalousWrites: 3, emptyRuns: 1 })).toEqual({
      tone: 'critical',
      text: '1 empty run, 2 writes outside the band',
    });
    expect(tableVerdict({ ...table, anomalousWrites: 1 }).text).toBe('1 write outside the band');
  });

  it('says when the history was not read', () => {
    expect(tableVerdict({ ...table, historyRead: false, writes: [] })).toEqual({
      tone: 'neutral',
      text: 'History not read',
    });
  });
});

describe('chartSummary', () => {
  it('names the table and says what stands out, in words', () => {
    const points = writePoints(
      [
        write({
          version: 2,
          rows: 1067,
          baselineRows: 3716.5,
          deltaPercent: -71.29,
          anomaly: true,
        }),
        write({ version: 1, committedAt: '2026-12-02T00:00:00Z', rows: 3700 }),
      ],
      20,
    );
    expect(chartSummary('prod.a.t', points, 20, 2)).toBe(
      'Rows of 2 writes to prod.a.t over time; 1 outside the band of ±20% around the median of ' +
        'the previous writes; no empty runs; the latest wrote 1,067 rows, 71% below its ' +
        'baseline of 3,717 rows; 2 column changes marked.',
    );
  });
});

describe('anomalousWrites', () => {
  it('lists the unusual writes newest first', () => {
    const writes = [
      write({ version: 1, committedAt: '2026-12-01T00:00:00Z', anomaly: true }),
      write({ version: 2, committedAt: '2026-12-02T00:00:00Z' }),
      write({ version: 3, committedAt: '2026-12-03T00:00:00Z', emptyRun: true, anomaly: true }),
    ];
    expect(anomalousWrites(writes).map((w) => w.version)).toEqual([3, 1]);
  });
});

describe('markPath', () => {
  it('draws a different shape for each unusual mark, and circles for the rest', () => {
    const above = markPath('above', 10, 10);
    const below = markPath('below', 10, 10);
    const empty = markPath('empty', 10, 10);
    expect(above?.outline).toBe('M10 3L17 15L3 15Z');
    expect(below?.outline).toBe('M10 17L17 5L3 5Z');
    expect(empty?.outline).toBe('M10 2L18 10L10 18L2 10Z');
    expect(empty?.cross).toBe('M7 7L13 13M13 7L7 13');
    expect(markPath('usual', 10, 10)).toBeNull();
  });
});

describe('schema changes', () => {
  it('names each kind and says what the column is now', () => {
    expect(schemaChangeLabel('RETYPED')).toBe('Retyped');
    expect(schemaChangeDetail({ kind: 'RETYPED', newName: null, dataType: 'long' })).toBe('long');
    expect(schemaChangeDetail({ kind: 'RENAMED', newName: 'state', dataType: null })).toBe('state');
    expect(schemaChangeDetail({ kind: 'DROPPED', newName: null, dataType: null })).toBe('—');
  });

  it('weighs a dropped column above a renamed or retyped one, and those above an added one', () => {
    expect((['DROPPED', 'RENAMED', 'RETYPED', 'ADDED'] as const).map(schemaChangeTone)).toEqual([
      'critical',
      'warning',
      'warning',
      'neutral',
    ]);
  });

  it('offers 30 days of history when a shorter window shows no change', () => {
    expect(longerWindowForChanges('LAST_7_DAYS')).toBe('LAST_30_DAYS');
    expect(longerWindowForChanges('LAST_24_HOURS')).toBe('LAST_30_DAYS');
    expect(longerWindowForChanges('LAST_30_DAYS')).toBeNull();
  });
});

import { describe, expect, it } from 'vitest';

import {
  attemptText,
  costNotes,
  ganttOf,
  repairText,
  runTriggerText,
  type TimelineTask,
} from './timeline';

function task(
  taskKey: string,
  startTime: string | null,
  endTime: string | null,
  dependsOn: string[] = [],
  state: TimelineTask['state'] = 'SUCCEEDED',
): TimelineTask {
  return { taskKey, startTime, endTime, dependsOn, state };
}

const RUN = { startTime: '2026-12-03T08:00:00Z', endTime: '2026-12-03T09:00:00Z' };
const NOW = Date.parse('2026-12-03T12:00:00Z');

describe('ganttOf', () => {
  it('spans the run and places each task as a share of it', () => {
    const gantt = ganttOf(
      [
        task('load', '2026-12-03T08:30:00Z', '2026-12-03T09:00:00Z', ['extract']),
        task('extract', '2026-12-03T08:00:00Z', '2026-12-03T08:30:00Z'),
      ],
      RUN,
      NOW,
    );
    expect(gantt.startMs).toBe(Date.parse(RUN.startTime));
    expect(gantt.endMs).toBe(Date.parse(RUN.endTime));
    expect(gantt.bars.map((b) => [b.taskKey, b.depth, b.offset, b.width])).toEqual([
      ['extract', 0, 0, 0.5],
      ['load', 1, 0.5, 0.5],
    ]);
    expect(gantt.ticks.length).toBeGreaterThan(1);
  });

  it('orders by depth, then start, then key', () => {
    const gantt = ganttOf(
      [
        task('b', '2026-12-03T08:10:00Z', '2026-12-03T08:20:00Z'),
        task('c', '2026-12-03T08:05:00Z', '2026-12-03T08:20:00Z', ['a']),
        task('a', '2026-12-03T08:10:00Z', '2026-12-03T08:20:00Z'),
        task('waiting', null, null),
      ],
      RUN,
      NOW,
    );
    expect(gantt.bars.map((b) => b.taskKey)).toEqual(['a', 'b', 'waiting', 'c']);
  });

  it('runs a task still going to now, and gives a waiting task no bar', () => {
    const gantt = ganttOf(
      [task('go', '2026-12-03T11:00:00Z', null, [], 'RUNNING'), task('wait', null, null)],
      { startTime: '2026-12-03T11:00:00Z', endTime: null },
      NOW,
    );
    expect(gantt.endMs).toBe(NOW);
    const [going, waiting] = gantt.bars;
    expect(going).toMatchObject({ running: true, offset: 0, width: 1, tone: 'info' });
    expect(waiting).toMatchObject({ startMs: null, endMs: null, width: 0, running: false });
  });

  it('draws an end recorded before its start as a bar of no length', () => {
    const gantt = ganttOf(
      [task('odd', '2026-12-03T08:35:42Z', '2026-12-03T08:35:32Z', [], 'FAILED')],
      RUN,
      NOW,
    );
    expect(gantt.bars[0]).toMatchObject({ width: 0, tone: 'critical' });
  });

  it('widens the span to a task that started before the run did', () => {
    const gantt = ganttOf(
      [task('early', '2026-12-03T07:30:00Z', '2026-12-03T08:00:00Z')],
      RUN,
      NOW,
    );
    expect(gantt.startMs).toBe(Date.parse('2026-12-03T07:30:00Z'));
  });
});

describe('the run in words', () => {
  it('says what started it, which attempt it is and its repairs', () => {
    expect(runTriggerText('RETRY')).toBe('An automatic retry');
    expect(attemptText(0)).toBe('First attempt');
    expect(attemptText(2)).toBe('Retry 2');
    expect(attemptText(null)).toContain('no longer keeps');
    expect(repairText(0)).toBe('Not repaired');
    expect(repairText(1)).toBe('Repaired once');
    expect(repairText(3)).toBe('Repaired 3 times');
  });

  it('explains whether the cost is whole and final', () => {
    const [partial, pending] = costNotes({ attributable: false, complete: false });
    expect(partial).toContain('all-purpose cluster');
    expect(pending).toContain('Not final yet');
    expect(costNotes({ attributable: true, complete: true })).toEqual([
      'All of its usage is billed to the run, so all of it is here.',
      'Final: the run ended more than 24 hours ago, so its billing has arrived.',
    ]);
  });
});

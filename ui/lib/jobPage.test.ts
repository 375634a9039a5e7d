import { describe, expect, it } from 'vitest';

import type { RunState } from '../gql/graphql';
import {
  chartPoints,
  dagOrder,
  describeSlaError,
  durationTicks,
  layoutDag,
  parseTargetMinutes,
  runMatrix,
  shownTarget,
  targetMinutesText,
  taskDepths,
  timeTicks,
  triggerText,
  windowStartMs,
  type HistoryRun,
} from './jobPage';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

function run(
  runId: string,
  startTime: string,
  state: RunState = 'SUCCEEDED',
  durationSeconds: number | null = 60,
  tasks: HistoryRun['tasks'] = [],
): HistoryRun {
  return { runId, startTime, state, durationSeconds, tasks };
}

describe('windowStartMs', () => {
  it('goes back the length of the window from now', () => {
    const now = Date.parse('2026-12-03T12:00:00Z');
    expect(windowStartMs('LAST_24_HOURS', now)).toBe(Date.parse('2026-12-02T12:00:00Z'));
    expect(windowStartMs('LAST_7_DAYS', now)).toBe(Date.parse('2026-11-26T12:00:00Z'));
  });
});

describe('timeTicks', () => {
  it('picks the smallest round step that fits and ticks on the local clock', () => {
    const start = Date.parse('2026-12-03T08:15:16Z');
    const { ticks, stepMs } = timeTicks(start, start + 20 * 60_000);
    expect(stepMs).toBe(5 * 60_000);
    expect(ticks).toHaveLength(4);
    for (const tick of ticks) {
      expect(new Date(tick).getMinutes() % 5).toBe(0);
      expect(new Date(tick).getSeconds()).toBe(0);
    }
    expect(ticks[0]).toBeGreaterThanOrEqual(start);
  });

  it('ticks at local midnight for windows of days', () => {
    const end = Date.parse('2026-12-03T12:00:00Z');
    const { ticks, stepMs } = timeTicks(end - 7 * DAY, end);
    expect(stepMs).toBe(2 * DAY);
    expect(ticks.length).toBeGreaterThanOrEqual(3);
    for (const tick of ticks) {
      expect(new Date(tick).getHours()).toBe(0);
      expect(tick).toBeGreaterThanOrEqual(end - 7 * DAY);
      expect(tick).toBeLessThanOrEqual(end);
    }
  });
});

describe('durationTicks', () => {
  it('reaches a round value at or above the longest duration', () => {
    expect(durationTicks(1532)).toEqual([0, 600, 1200, 1800]);
    expect(durationTicks(45)).toEqual([0, 15, 30, 45]);
  });

  it('has an axis without any duration', () => {
    expect(durationTicks(0)).toEqual([0, 15, 30, 45, 60]);
  });
});

describe('taskDepths and layoutDag', () => {
  const tasks = [
    { taskKey: 'publish', dependsOn: ['aggregate', 'enrich'] },
    { taskKey: 'aggregate', dependsOn: ['clean'] },
    { taskKey: 'clean', dependsOn: [] },
    { taskKey: 'enrich', dependsOn: ['validate'] },
    { taskKey: 'validate', dependsOn: [] },
    { taskKey: 'notify', dependsOn: ['publish', 'gone'] },
  ];

  it('puts each task one deeper than the deepest task it waits for', () => {
    expect(Object.fromEntries(taskDepths(tasks))).toEqual({
      publish: 2,
      aggregate: 1,
      clean: 0,
      enrich: 1,
      validate: 0,
      notify: 3,
    });
  });

  it('lays tasks out in columns by depth, near the tasks they wait for', () => {
    const layout = layoutDag(tasks);
    expect(layout.layers).toBe(4);
    expect(layout.rows).toBe(2);
    expect(layout.nodes).toEqual([
      { taskKey: 'clean', layer: 0, row: 0 },
      { taskKey: 'validate', layer: 0, row: 1 },
      { taskKey: 'aggregate', layer: 1, row: 0 },
      { taskKey: 'enrich', layer: 1, row: 1 },
      { taskKey: 'publish', layer: 2, row: 0 },
      { taskKey: 'notify', layer: 3, row: 0 },
    ]);
  });

  it('keeps the edges between defined tasks only', () => {
    expect(layoutDag(tasks).edges).toContainEqual({ from: 'publish', to: 'notify' });
    expect(layoutDag(tasks).edges).not.toContainEqual({ from: 'gone', to: 'notify' });
    expect(layoutDag(tasks).edges).toHaveLength(5);
  });

  it('orders a column by where its parents sit rather than by name', () => {
    const layout = layoutDag([
      { taskKey: 'a', dependsOn: [] },
      { taskKey: 'b', dependsOn: [] },
      { taskKey: 'after_b', dependsOn: ['b'] },
      { taskKey: 'z_after_a', dependsOn: ['a'] },
    ]);
    expect(layout.nodes.filter((n) => n.layer === 1).map((n) => n.taskKey)).toEqual([
      'z_after_a',
      'after_b',
    ]);
  });

  it('survives a cycle', () => {
    const depths = taskDepths([
      { taskKey: 'a', dependsOn: ['b'] },
      { taskKey: 'b', dependsOn: ['a'] },
    ]);
    expect([...depths.values()].sort()).toEqual([0, 1]);
  });

  it('lays out 130 tasks in 11 columns of at most 12', () => {
    const wide = Array.from({ length: 130 }, (_, i) => ({
      taskKey: `part_${String(i).padStart(3, '0')}`,
      dependsOn: i < 12 ? [] : [`part_${String(i - 12).padStart(3, '0')}`],
    }));
    const layout = layoutDag(wide);
    expect(layout.nodes).toHaveLength(130);
    expect(layout.layers).toBe(11);
    expect(layout.rows).toBe(12);
  });

  it('orders tasks by depth then key', () => {
    expect(dagOrder(tasks)).toEqual([
      'clean',
      'validate',
      'aggregate',
      'enrich',
      'publish',
      'notify',
    ]);
  });
});

describe('chartPoints', () => {
  it('keeps finished runs in the window, oldest first, each with its outcome', () => {
    const since = Date.parse('2026-12-01T00:00:00Z');
    const points = chartPoints(
      [
        run('4', '2026-12-03T10:00:00Z', 'RUNNING', null),
        run('3', '2026-12-02T10:00:00Z', 'FAILED', 120),
        run('2', '2026-12-01T10:00:00Z', 'SUCCEEDED', 90),
        run('1', '2026-11-30T10:00:00Z', 'SUCCEEDED', 80),
      ],
      since,
    );
    expect(points.map((p) => [p.runId, p.durationSeconds, p.tone])).toEqual([
      ['2', 90, 'ok'],
      ['3', 120, 'critical'],
    ]);
    expect(points[0]?.time).toBe(Date.parse('2026-12-01T10:00:00Z'));
  });

  it('leaves out a duration that cannot be drawn', () => {
    expect(chartPoints([run('1', '2026-12-02T10:00:00Z', 'FAILED', -10)], 0)).toEqual([]);
  });
});

describe('runMatrix', () => {
  const definition = [
    { taskKey: 'load', dependsOn: ['extract'] },
    { taskKey: 'extract', dependsOn: [] },
  ];

  it('has the newest runs as columns, oldest left, and a row per task in DAG order', () => {
    const matrix = runMatrix(
      [
        run('3', '2026-12-03T10:00:00Z', 'FAILED', 60, [
          { taskKey: 'extract', state: 'SUCCEEDED' },
          { taskKey: 'load', state: 'FAILED' },
        ]),
        run('2', '2026-12-02T10:00:00Z', 'SUCCEEDED', 60, [
          { taskKey: 'extract', state: 'SUCCEEDED' },
          { taskKey: 'old_step', state: 'SUCCEEDED' },
        ]),
        run('1', '2026-12-01T10:00:00Z'),
      ],
      definition,
      2,
    );
    expect(matrix.columns.map((c) => c.runId)).toEqual(['2', '3']);
    expect(matrix.rows).toEqual([
      { taskKey: 'extract', cells: ['SUCCEEDED', 'SUCCEEDED'] },
      { taskKey: 'load', cells: [null, 'FAILED'] },
      { taskKey: 'old_step', cells: ['SUCCEEDED', null] },
    ]);
  });

  it('has rows and no columns without runs', () => {
    const matrix = runMatrix([], definition, 30);
    expect(matrix.columns).toEqual([]);
    expect(matrix.rows.map((r) => r.taskKey)).toEqual(['extract', 'load']);
  });
});

describe('triggerText', () => {
  const schedule = (cron: string) => ({
    kind: 'PERIODIC' as const,
    interval: null,
    intervalUnit: null,
    schedule: { quartzCronExpression: cron, timezoneId: 'UTC' },
  });

  it('says common schedules in words', () => {
    expect(triggerText(schedule('0 30 7 * * ?'), false)).toBe('Daily at 07:30 (UTC)');
    expect(triggerText(schedule('0 30 7 ? * MON'), false)).toBe('Mondays at 07:30 (UTC)');
    expect(triggerText(schedule('0 10 0/4 * * ?'), false)).toBe('Every 4 hours from 00:10 (UTC)');
    expect(triggerText(schedule('0 5 * * * ?'), false)).toBe('Hourly at :05 (UTC)');
  });

  it('quotes other schedules and says when they are paused', () => {
    expect(triggerText(schedule('0 0 6 1 * ?'), true)).toBe(
      'On the schedule “0 0 6 1 * ?” (UTC), paused',
    );
  });

  it('says what else starts a job', () => {
    const fileArrival = {
      kind: 'FILE_ARRIVAL' as const,
      interval: null,
      intervalUnit: null,
      schedule: null,
    };
    expect(triggerText(fileArrival, null)).toBe('When a file arrives');
    expect(
      triggerText({ kind: 'PERIODIC', interval: 2, intervalUnit: 'HOURS', schedule: null }, null),
    ).toBe('Every 2 hours');
    expect(triggerText(null, null)).toBe('Not known');
  });
});

describe('parseTargetMinutes', () => {
  it('reads minutes as seconds', () => {
    expect(parseTargetMinutes('45')).toEqual({ seconds: 2700 });
    expect(parseTargetMinutes(' 7,5 ')).toEqual({ seconds: 450 });
  });

  it('says what is wrong with a target the API would refuse', () => {
    expect(parseTargetMinutes('')).toEqual({ error: 'Enter the target in minutes.' });
    expect(parseTargetMinutes('soon')).toEqual({
      error: 'Enter a number of minutes, such as 45 or 90.',
    });
    expect(parseTargetMinutes('0')).toEqual({ error: 'The target must be longer than 0 minutes.' });
    expect(parseTargetMinutes('43201')).toEqual({
      error: 'The target can be at most 43,200 minutes (30 days).',
    });
  });

  it('shows a target in the minutes one would type', () => {
    expect(targetMinutesText(2700)).toBe('45');
    expect(targetMinutesText(450)).toBe('7.5');
    expect(targetMinutesText(null)).toBe('');
  });
});

describe('shownTarget', () => {
  it('shows a target just written until the read catches up, then the one read', () => {
    expect(shownTarget(null, { targetSeconds: 2820 })).toEqual({
      targetSeconds: 2820,
      catchingUp: true,
    });
    expect(shownTarget(2820, { targetSeconds: null })).toEqual({
      targetSeconds: null,
      catchingUp: true,
    });
    expect(shownTarget(2820, { targetSeconds: 2820 })).toEqual({
      targetSeconds: 2820,
      catchingUp: false,
    });
    expect(shownTarget(600, null)).toEqual({ targetSeconds: 600, catchingUp: false });
  });
});

describe('describeSlaError', () => {
  it('tells the viewer which permission they lack', () => {
    expect(
      describeSlaError({
        __typename: 'PermissionDenied',
        code: 'PERMISSION_DENIED',
        message: '…',
        principal: 'VIEWER',
        requiredPermissions: ['CAN_MANAGE', 'IS_OWNER'],
      }),
    ).toEqual({
      title: 'You may not change this job’s target',
      detail: 'That needs CAN_MANAGE or IS_OWNER on the job; ask its owner.',
    });
  });

  it('says what to grant the app', () => {
    expect(
      describeSlaError({
        __typename: 'PermissionDenied',
        code: 'PERMISSION_DENIED',
        message: '…',
        principal: 'APP',
        grant: 'CAN_MANAGE',
      }).detail,
    ).toBe("A manager of the job must grant the app's service principal CAN_MANAGE on it.");
  });

  it('points at the bundle that deploys the job', () => {
    const described = describeSlaError({
      __typename: 'BundleManagedJob',
      code: 'BUNDLE_MANAGED_JOB',
      message: '…',
      bundleMetadataPath: '/Workspace/.bundle/x/metadata.json',
    });
    expect(described.title).toBe('A bundle deploys this job');
    expect(described.detail).toContain('/Workspace/.bundle/x/metadata.json');
  });

  it('falls back to the words of any other API error', () => {
    expect(
      describeSlaError({ __typename: 'NotFound', code: 'NOT_FOUND', message: 'No job 1.' }),
    ).toEqual({ title: 'Not found', detail: 'No job 1.' });
  });
});

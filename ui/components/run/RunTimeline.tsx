import type { RunPageQuery } from '../../gql/graphql';
import { cx } from '../../lib/classNames';
import { formatDateTime, formatDuration, formatTimeOfDay, formatUtc } from '../../lib/format';
import { runStateLabel } from '../../lib/runs';
import { ganttOf, type GanttBar } from '../../lib/timeline';
import { EmptyState } from '../EmptyState';
import tones from '../job/tones.module.css';
import { Card } from '../kit/Card';
import tables from '../kit/DataTable.module.css';
import { RunStateBadge } from '../kit/RunStateBadge';
import styles from './RunTimeline.module.css';

type Run = Extract<RunPageQuery['jobRun'], { __typename: 'JobRun' }>;
type Task = Run['tasks'][number];

const DAY_MS = 86_400_000;
/** Indent per level of dependency, up to a few levels: the order already says the rest. */
const INDENT_PX = 12;
const MAX_INDENT_LEVELS = 6;

function percent(share: number): string {
  return `${String(share * 100)}%`;
}

/** When a bar runs, in words for screen readers and the tooltip. */
function barWords(bar: GanttBar): string {
  if (bar.startMs === null || bar.endMs === null) return 'not started';
  const from = formatTimeOfDay(new Date(bar.startMs));
  return bar.running
    ? `since ${from}, still going`
    : `from ${from} to ${formatTimeOfDay(new Date(bar.endMs))}`;
}

function TaskRow({ bar, task, ticks }: { bar: GanttBar; task: Task; ticks: readonly number[] }) {
  const failed = task.errorMessage !== null || bar.tone === 'critical';
  const duration =
    task.durationSeconds ??
    (bar.running && bar.startMs !== null && bar.endMs !== null
      ? (bar.endMs - bar.startMs) / 1000
      : null);
  return (
    <tr>
      <th
        scope="row"
        className={styles.task}
        style={{ paddingLeft: 10 + Math.min(bar.depth, MAX_INDENT_LEVELS) * INDENT_PX }}
      >
        <span className={styles.key} title={task.taskKey}>
          {task.taskKey}
        </span>
        {failed && (
          <a href={`#error-${task.taskRunId}`} className={styles.errorLink}>
            Error<span className="visually-hidden"> of {task.taskKey}</span>
          </a>
        )}
      </th>
      <td className={tables.nowrap}>
        <RunStateBadge state={task.state} />
      </td>
      <td className={styles.trackCell}>
        <div className={styles.track}>
          {ticks.map((tick) => (
            <span key={tick} className={styles.gridline} style={{ left: percent(tick) }} />
          ))}
          {bar.startMs !== null && (
            <span
              className={cx(styles.bar, tones[bar.tone], bar.running && styles.running)}
              style={{ left: percent(bar.offset), width: percent(bar.width) }}
              title={`${task.taskKey}: ${runStateLabel(task.state)}, ${barWords(bar)} (started ${formatUtc(new Date(bar.startMs))})`}
            />
          )}
          <span className="visually-hidden">{barWords(bar)}</span>
        </div>
      </td>
      <td className={tables.number}>
        {formatDuration(duration)}
        {bar.running && <span className={tables.muted}> so far</span>}
      </td>
    </tr>
  );
}

/** The run's tasks as a Gantt chart, in order of their dependencies, then of their start. */
export function RunTimeline({ run, nowMs }: { run: Run; nowMs: number }) {
  const gantt = ganttOf(run.tasks, run, nowMs);
  const byKey = new Map(run.tasks.map((task) => [task.taskKey, task]));
  const span = gantt.endMs - gantt.startMs;
  // Shares of the span where the ticks fall, with their labels.
  const ticks = gantt.ticks.map((ms) => ({
    share: (ms - gantt.startMs) / span,
    label: span > DAY_MS ? formatDateTime(new Date(ms)) : formatTimeOfDay(new Date(ms)).slice(0, 5),
  }));
  return (
    <Card
      title="Timeline"
      description="Each task from its start to its end, in the order of its dependencies, then of its start."
    >
      {gantt.bars.length === 0 ? (
        <EmptyState icon="clock" title="No task of this run is known yet">
          Databricks lists a run’s tasks once they are scheduled; this page asks again while the run
          goes.
        </EmptyState>
      ) : (
        <div className={tables.wrap}>
          <table className={cx(tables.table, styles.gantt)}>
            <caption className="visually-hidden">Tasks of the run over time</caption>
            <thead>
              <tr>
                <th scope="col">Task</th>
                <th scope="col">State</th>
                <th scope="col" className={styles.axisHead}>
                  <span className="visually-hidden">When it ran</span>
                  <span className={styles.axis} aria-hidden="true">
                    {ticks.map((tick) => (
                      <span
                        key={tick.share}
                        className={styles.tick}
                        style={{ left: percent(tick.share) }}
                      >
                        {tick.label}
                      </span>
                    ))}
                  </span>
                </th>
                <th scope="col" className={tables.number}>
                  Duration
                </th>
              </tr>
            </thead>
            <tbody>
              {gantt.bars.map((bar) => {
                const task = byKey.get(bar.taskKey);
                return task === undefined ? null : (
                  <TaskRow
                    key={bar.taskKey}
                    bar={bar}
                    task={task}
                    ticks={ticks.map((tick) => tick.share)}
                  />
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </Card>
  );
}

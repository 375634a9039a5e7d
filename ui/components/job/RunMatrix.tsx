import { Link } from '@tanstack/react-router';
import { useState, type KeyboardEvent } from 'react';

import { cx } from '../../lib/classNames';
import { formatDateTime, formatDuration, formatUtc } from '../../lib/format';
import { OUTCOMES, type MatrixColumn, type RunMatrix as Matrix } from '../../lib/jobPage';
import { runStateLabel, runStateTone } from '../../lib/runs';
import styles from './RunMatrix.module.css';
import tones from './tones.module.css';

interface Cell {
  row: number;
  column: number;
}

/** "3 Dec, 17:30: Succeeded, 18m 25s", for a column's link and tooltip. */
function runDescription(column: MatrixColumn): string {
  const started = formatDateTime(new Date(column.startTime));
  const duration =
    column.durationSeconds === null ? '' : `, ${formatDuration(column.durationSeconds)}`;
  return `Run of ${started}: ${runStateLabel(column.state)}${duration}`;
}

/**
 * The grid is one stop in the tab order; the arrow keys, Home and End move within it (the grid
 * pattern of WAI-ARIA), so 130 tasks × 30 runs do not take thousands of Tab presses.
 */
function moved(cell: Cell, key: string, rows: number, columns: number): Cell | null {
  switch (key) {
    case 'ArrowRight':
      return { ...cell, column: Math.min(columns - 1, cell.column + 1) };
    case 'ArrowLeft':
      return { ...cell, column: Math.max(0, cell.column - 1) };
    case 'ArrowDown':
      return { ...cell, row: Math.min(rows, cell.row + 1) };
    case 'ArrowUp':
      return { ...cell, row: Math.max(0, cell.row - 1) };
    case 'Home':
      return { ...cell, column: 0 };
    case 'End':
      return { ...cell, column: columns - 1 };
    default:
      return null;
  }
}

/** Recent runs × the job's tasks, a coloured square per task and run, as the Databricks Jobs UI has it. */
export function RunMatrix({ matrix }: { matrix: Matrix }) {
  const { columns, rows } = matrix;
  // Row 0 is the runs' header; rows 1… are the tasks. Start on the newest run.
  const [chosen, setActive] = useState<Cell>({ row: 0, column: columns.length - 1 });
  // A refresh may bring fewer runs: keep the tab stop on a cell that exists.
  const active = {
    row: Math.min(chosen.row, rows.length),
    column: Math.max(0, Math.min(chosen.column, columns.length - 1)),
  };
  const longest = Math.max(1, ...columns.map((c) => c.durationSeconds ?? 0));
  const onKeyDown = (event: KeyboardEvent<HTMLTableElement>): void => {
    const next = moved(active, event.key, rows.length, columns.length);
    if (next === null) return;
    event.preventDefault();
    setActive(next);
    event.currentTarget
      .querySelector<HTMLElement>(`[data-cell="${String(next.row)}:${String(next.column)}"]`)
      ?.focus();
  };
  const stop = (row: number, column: number) => ({
    'data-cell': `${String(row)}:${String(column)}`,
    tabIndex: active.row === row && active.column === column ? 0 : -1,
    onFocus: () => {
      setActive({ row, column });
    },
  });
  const first = columns[0];
  const last = columns.at(-1);
  const present = new Set(
    rows.flatMap((row) => row.cells.map((state) => (state === null ? null : runStateTone(state)))),
  );
  return (
    <>
      {/* Each square says its state in words; the legend is for the eye. */}
      <ul className={styles.legend} aria-hidden="true">
        {OUTCOMES.filter((outcome) => present.has(outcome.tone)).map((outcome) => (
          <li key={outcome.tone}>
            <span className={cx(styles.key, tones[outcome.tone])} />
            {outcome.label}
          </li>
        ))}
        {present.has(null) && (
          <li>
            <span className={cx(styles.key, styles.empty)} />
            Did not run
          </li>
        )}
      </ul>
      <div className={styles.scroll}>
        <table
          role="grid"
          aria-label="Task states in recent runs"
          className={styles.matrix}
          onKeyDown={onKeyDown}
        >
          <thead>
            <tr>
              <th scope="col" className={styles.corner}>
                Task <span className={styles.hint}>/ run</span>
              </th>
              {columns.map((column, c) => (
                <th key={column.runId} scope="col" className={styles.runHead}>
                  <Link
                    to="/runs/$runId"
                    params={{ runId: column.runId }}
                    className={cx(styles.runBar, tones[runStateTone(column.state)])}
                    title={`${runDescription(column)} (${formatUtc(new Date(column.startTime))})`}
                    aria-label={runDescription(column)}
                    {...stop(0, c)}
                  >
                    <span
                      className={styles.runBarFill}
                      style={{
                        height: `${String(Math.max(8, ((column.durationSeconds ?? 0) / longest) * 100))}%`,
                      }}
                    />
                  </Link>
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.map((row, r) => (
              <tr key={row.taskKey}>
                <th scope="row" className={styles.task} title={row.taskKey}>
                  {row.taskKey}
                </th>
                {row.cells.map((state, c) => {
                  const column = columns[c];
                  if (column === undefined) return null;
                  const label = `${row.taskKey} in the run of ${formatDateTime(new Date(column.startTime))}: ${state === null ? 'did not run' : runStateLabel(state)}`;
                  return (
                    <td key={column.runId} className={styles.cell}>
                      <Link
                        to="/runs/$runId"
                        params={{ runId: column.runId }}
                        className={cx(
                          styles.square,
                          state === null ? styles.empty : tones[runStateTone(state)],
                        )}
                        title={label}
                        aria-label={label}
                        {...stop(r + 1, c)}
                      />
                    </td>
                  );
                })}
              </tr>
            ))}
          </tbody>
        </table>
        {first !== undefined && last !== undefined && (
          <p className={styles.span}>
            From {formatDateTime(new Date(first.startTime))} on the left to{' '}
            {formatDateTime(new Date(last.startTime))} on the right.
          </p>
        )}
      </div>
    </>
  );
}

import type { CSSProperties } from 'react';

import { cx } from '../../lib/classNames';
import styles from './HeadlineFigures.module.css';

export interface Figure {
  label: string;
  value: string;
  note: string;
  /** Tinted red: something is wrong. */
  alarming?: boolean;
  /** Takes two columns: a sum of money with its change needs the room. */
  wide?: boolean;
}

/**
 * A page's key numbers as tiles: label, value, and a note on what the value covers. Without
 * `columns` the tiles share the row; with it they keep a grid, so related figures line up.
 */
export function HeadlineFigures({
  label,
  figures,
  columns,
}: {
  label: string;
  figures: readonly Figure[];
  columns?: number;
}) {
  const grid = columns === undefined ? undefined : ({ '--columns': columns } as CSSProperties);
  return (
    <section aria-label={label}>
      <dl className={cx(styles.figures, columns !== undefined && styles.fixed)} style={grid}>
        {figures.map((figure) => (
          <div
            key={figure.label}
            className={cx(
              styles.figure,
              figure.alarming === true && styles.alarm,
              figure.wide === true && styles.wide,
            )}
          >
            <dt className={styles.label}>{figure.label}</dt>
            <dd className={styles.value}>{figure.value}</dd>
            <dd className={styles.note}>{figure.note}</dd>
          </div>
        ))}
      </dl>
    </section>
  );
}

import type { ReactNode } from 'react';

import { cx } from '../../lib/classNames';
import styles from './Figures.module.css';

export interface Figure {
  label: string;
  value: ReactNode;
  note?: ReactNode;
  /** Colours the value: red for what is wrong, amber for what deserves a look. */
  emphasis?: 'alarm' | 'caution';
}

/** A card's figures as a definition list, so each value reads with its label. */
export function Figures({ figures }: { figures: readonly Figure[] }) {
  return (
    <dl className={styles.figures}>
      {figures.map((figure) => (
        <div key={figure.label} className={styles.figure}>
          <dt className={styles.label}>{figure.label}</dt>
          <dd
            className={cx(styles.value, figure.emphasis !== undefined && styles[figure.emphasis])}
          >
            {figure.value}
          </dd>
          {figure.note !== undefined && <dd className={styles.note}>{figure.note}</dd>}
        </div>
      ))}
    </dl>
  );
}

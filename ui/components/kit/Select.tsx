import { useId } from 'react';

import { cx } from '../../lib/classNames';
import styles from './Select.module.css';

export interface SelectOption<T extends string> {
  value: T;
  label: string;
}

interface SelectProps<T extends string> {
  label: string;
  value: T;
  options: readonly SelectOption<T>[];
  onChange: (value: T) => void;
  hint?: string;
  /** The sidebar, dark in either theme. */
  surface?: 'light' | 'dark';
}

export function Select<T extends string>({
  label,
  value,
  options,
  onChange,
  hint,
  surface = 'light',
}: SelectProps<T>) {
  const id = useId();
  const hintId = useId();
  return (
    <div className={cx(styles.field, surface === 'dark' && styles.onDark)}>
      <label htmlFor={id} className={styles.label}>
        {label}
      </label>
      <select
        id={id}
        className={styles.select}
        value={value}
        aria-describedby={hint === undefined ? undefined : hintId}
        onChange={(event) => {
          const chosen = options.find((o) => o.value === event.target.value);
          if (chosen !== undefined) onChange(chosen.value);
        }}
      >
        {options.map((option) => (
          <option key={option.value} value={option.value}>
            {option.label}
          </option>
        ))}
      </select>
      {hint !== undefined && (
        <p id={hintId} className={styles.hint}>
          {hint}
        </p>
      )}
    </div>
  );
}

import { useId } from 'react';

import { cx } from '../../lib/classNames';
import styles from './SegmentedControl.module.css';
import type { SelectOption } from './Select';

interface SegmentedControlProps<T extends string> {
  label: string;
  value: T;
  options: readonly SelectOption<T>[];
  onChange: (value: T) => void;
  hint?: string;
  /** The sidebar, dark in either theme. */
  surface?: 'light' | 'dark';
}

/** A few exclusive choices side by side: radio buttons, so arrow keys move between them. */
export function SegmentedControl<T extends string>({
  label,
  value,
  options,
  onChange,
  hint,
  surface = 'light',
}: SegmentedControlProps<T>) {
  const name = useId();
  const hintId = useId();
  return (
    <fieldset
      className={cx(styles.field, surface === 'dark' && styles.onDark)}
      aria-describedby={hint === undefined ? undefined : hintId}
    >
      <legend className={styles.label}>{label}</legend>
      <div className={styles.segments}>
        {options.map((option) => (
          <label key={option.value} className={styles.segment}>
            <input
              type="radio"
              className={styles.input}
              name={name}
              value={option.value}
              checked={option.value === value}
              onChange={() => {
                onChange(option.value);
              }}
            />
            <span className={styles.text}>{option.label}</span>
          </label>
        ))}
      </div>
      {hint !== undefined && (
        <p id={hintId} className={styles.hint}>
          {hint}
        </p>
      )}
    </fieldset>
  );
}

import { useId } from 'react';

import { cx } from '../../lib/classNames';
import styles from './Checkbox.module.css';
import type { SelectOption } from './Select';
import segments from './SegmentedControl.module.css';

interface CheckboxProps {
  label: string;
  checked: boolean;
  onChange: (checked: boolean) => void;
  hint?: string;
}

/** One yes-or-no choice with its label beside it. */
export function Checkbox({ label, checked, onChange, hint }: CheckboxProps) {
  const id = useId();
  const hintId = useId();
  return (
    <div className={styles.checkbox}>
      <input
        id={id}
        type="checkbox"
        className={styles.input}
        checked={checked}
        aria-describedby={hint === undefined ? undefined : hintId}
        onChange={(event) => {
          onChange(event.target.checked);
        }}
      />
      <label htmlFor={id} className={styles.label}>
        {label}
      </label>
      {hint !== undefined && (
        <span id={hintId} className={styles.hint}>
          {hint}
        </span>
      )}
    </div>
  );
}

interface CheckboxGroupProps<T extends string> {
  label: string;
  values: readonly T[];
  options: readonly SelectOption<T>[];
  onChange: (values: T[]) => void;
}

/** A few choices side by side, any number of them on (none: no filter); drawn as segments. */
export function CheckboxGroup<T extends string>({
  label,
  values,
  options,
  onChange,
}: CheckboxGroupProps<T>) {
  return (
    <fieldset className={segments.field}>
      <legend className={segments.label}>{label}</legend>
      <div className={cx(segments.segments, styles.group)}>
        {options.map((option) => (
          <label key={option.value} className={segments.segment}>
            <input
              type="checkbox"
              className={segments.input}
              value={option.value}
              checked={values.includes(option.value)}
              onChange={(event) => {
                onChange(
                  event.target.checked
                    ? [...values, option.value]
                    : values.filter((value) => value !== option.value),
                );
              }}
            />
            <span className={segments.text}>{option.label}</span>
          </label>
        ))}
      </div>
    </fieldset>
  );
}

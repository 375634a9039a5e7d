import { useId, useRef, type KeyboardEvent, type ReactNode } from 'react';

import styles from './Tabs.module.css';

export interface Tab<T extends string> {
  value: T;
  label: string;
  content: ReactNode;
}

interface TabsProps<T extends string> {
  /** What the tabs choose between: "Format". */
  label: string;
  value: T;
  tabs: readonly Tab<T>[];
  onChange: (value: T) => void;
}

/**
 * Views of one thing, one at a time: a tab list (one tab stop; arrow keys, Home and End move
 * between tabs and show them) and the chosen tab's panel.
 */
export function Tabs<T extends string>({ label, value, tabs, onChange }: TabsProps<T>) {
  const id = useId();
  const refs = useRef(new Map<T, HTMLButtonElement>());
  const index = Math.max(
    0,
    tabs.findIndex((tab) => tab.value === value),
  );
  const chosen = tabs[index];
  const move = (event: KeyboardEvent): void => {
    const step: Partial<Record<string, number>> = {
      ArrowRight: index + 1,
      ArrowLeft: index - 1,
      Home: 0,
      End: tabs.length - 1,
    };
    const next = step[event.key];
    if (next === undefined) return;
    event.preventDefault();
    const tab = tabs[(next + tabs.length) % tabs.length];
    if (tab === undefined) return;
    onChange(tab.value);
    refs.current.get(tab.value)?.focus();
  };
  return (
    <div className={styles.tabs}>
      <div role="tablist" aria-label={label} className={styles.list} onKeyDown={move}>
        {tabs.map((tab) => {
          const selected = tab.value === chosen?.value;
          return (
            <button
              key={tab.value}
              ref={(element) => {
                if (element === null) refs.current.delete(tab.value);
                else refs.current.set(tab.value, element);
              }}
              type="button"
              role="tab"
              id={`${id}-tab-${tab.value}`}
              aria-selected={selected}
              aria-controls={`${id}-panel`}
              tabIndex={selected ? 0 : -1}
              className={styles.tab}
              onClick={() => {
                onChange(tab.value);
              }}
            >
              {tab.label}
            </button>
          );
        })}
      </div>
      {chosen !== undefined && (
        <div
          role="tabpanel"
          id={`${id}-panel`}
          aria-labelledby={`${id}-tab-${chosen.value}`}
          className={styles.panel}
        >
          {chosen.content}
        </div>
      )}
    </div>
  );
}

import type { ReactNode } from 'react';

import styles from './EmptyState.module.css';
import { Icon, type IconName } from './kit/Icon';

/** A list or chart with nothing in it: what that means and, where there is one, what to do. */
export function EmptyState({
  icon,
  title,
  children,
}: {
  icon: IconName;
  title: string;
  children?: ReactNode;
}) {
  return (
    <div className={styles.empty} role="status">
      <span className={styles.icon}>
        <Icon name={icon} size={22} />
      </span>
      <p className={styles.title}>{title}</p>
      {children !== undefined && <div className={styles.details}>{children}</div>}
    </div>
  );
}

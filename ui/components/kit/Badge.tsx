import type { ReactNode } from 'react';

import { cx } from '../../lib/classNames';
import type { StatusTone } from '../../lib/health';
import styles from './Badge.module.css';
import { Icon, type IconName } from './Icon';

export type BadgeTone = StatusTone | 'info';

interface BadgeProps {
  tone: BadgeTone;
  icon?: IconName;
  children: ReactNode;
}

export function Badge({ tone, icon, children }: BadgeProps) {
  return (
    <span className={cx(styles.badge, styles[tone])}>
      {icon !== undefined && <Icon name={icon} size={14} />}
      {children}
    </span>
  );
}

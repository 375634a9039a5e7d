import type { ReactNode } from 'react';

import { cx } from '../../lib/classNames';
import styles from './Alert.module.css';
import { Icon, type IconName } from './Icon';

type AlertTone = 'info' | 'warning' | 'critical';

const ICONS: Record<AlertTone, IconName> = {
  info: 'question',
  warning: 'warning',
  critical: 'cross',
};

interface AlertProps {
  tone: AlertTone;
  title: string;
  children?: ReactNode;
  action?: ReactNode;
}

/** A message about the page itself; failures interrupt screen readers, the rest are polite. */
export function Alert({ tone, title, children, action }: AlertProps) {
  return (
    <div className={cx(styles.alert, styles[tone])} role={tone === 'critical' ? 'alert' : 'status'}>
      <Icon name={ICONS[tone]} size={18} className={styles.icon} />
      <div className={styles.content}>
        <p className={styles.title}>{title}</p>
        {children !== undefined && <div className={styles.details}>{children}</div>}
        {action !== undefined && <div className={styles.action}>{action}</div>}
      </div>
    </div>
  );
}

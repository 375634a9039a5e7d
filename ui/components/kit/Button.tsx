import type { ButtonHTMLAttributes } from 'react';

import { cx } from '../../lib/classNames';
import styles from './Button.module.css';
import { Icon, type IconName } from './Icon';

interface ButtonProps extends Omit<ButtonHTMLAttributes<HTMLButtonElement>, 'className'> {
  icon?: IconName;
  /** Spins the icon while the action it started is under way. */
  busy?: boolean;
}

export function Button({ icon, busy = false, children, type = 'button', ...rest }: ButtonProps) {
  return (
    <button type={type} className={cx(styles.button, busy && styles.spinning)} {...rest}>
      {icon !== undefined && <Icon name={icon} />}
      {children}
    </button>
  );
}

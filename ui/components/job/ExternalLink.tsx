import type { ReactNode } from 'react';

import { Icon } from '../kit/Icon';
import styles from './linkButton.module.css';

/** A link to the same thing in the Databricks UI, in a new tab (said in words too). */
export function ExternalLink({ href, children }: { href: string; children: ReactNode }) {
  return (
    <a href={href} target="_blank" rel="noreferrer" className={styles.link}>
      {children}
      <Icon name="external" size={14} />
      <span className="visually-hidden"> (opens in a new tab)</span>
    </a>
  );
}

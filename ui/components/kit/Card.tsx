import { useId, type ReactNode } from 'react';

import styles from './Card.module.css';

interface CardProps {
  title: string;
  description?: string;
  actions?: ReactNode;
  busy?: boolean;
  children: ReactNode;
}

/** A titled region of a page; its title is its accessible name. */
export function Card({ title, description, actions, busy = false, children }: CardProps) {
  const titleId = useId();
  return (
    <section className={styles.card} aria-labelledby={titleId} aria-busy={busy}>
      <header className={styles.header}>
        <div>
          <h2 id={titleId} className={styles.title}>
            {title}
          </h2>
          {description !== undefined && <p className={styles.description}>{description}</p>}
        </div>
        {actions}
      </header>
      <div className={styles.body}>{children}</div>
    </section>
  );
}

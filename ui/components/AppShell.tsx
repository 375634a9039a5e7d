import type { ReactNode } from 'react';

import styles from './AppShell.module.css';
import { Sidebar } from './Sidebar';

/** The frame of every page: the sidebar and the main landmark beside it. */
export function AppShell({ children }: { children: ReactNode }) {
  return (
    <div className={styles.shell}>
      <Sidebar />
      <main className={styles.main}>
        <div className={styles.content}>{children}</div>
      </main>
    </div>
  );
}

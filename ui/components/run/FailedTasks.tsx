import type { RunPageQuery } from '../../gql/graphql';
import { terminationCodeLabel } from '../../lib/runs';
import { Card } from '../kit/Card';
import { RunStateBadge } from '../kit/RunStateBadge';
import styles from './FailedTasks.module.css';

type Task = Extract<RunPageQuery['jobRun'], { __typename: 'JobRun' }>['tasks'][number];

/** Each failed task with the error text Databricks kept for it. */
export function FailedTasks({ tasks }: { tasks: readonly Task[] }) {
  return (
    <Card
      title="Why it failed"
      description="The error text of each failed task, as Databricks reports it."
    >
      <ul className={styles.list}>
        {tasks.map((task) => (
          <li key={task.taskRunId} id={`error-${task.taskRunId}`} className={styles.task}>
            <h3 className={styles.heading}>
              <span className={styles.key}>{task.taskKey}</span>
              <RunStateBadge state={task.state} />
              {task.terminationCode !== null && (
                <span className={styles.code}>{terminationCodeLabel(task.terminationCode)}</span>
              )}
            </h3>
            {task.errorMessage === null ? (
              <p className={styles.code}>
                No error text: the task recorded none, or Databricks no longer keeps it (about 60
                days).
              </p>
            ) : (
              <pre className={styles.error}>{task.errorMessage}</pre>
            )}
          </li>
        ))}
      </ul>
    </Card>
  );
}

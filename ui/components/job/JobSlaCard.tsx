import { Link } from '@tanstack/react-router';

import type { JobPageQuery } from '../../gql/graphql';
import { formatCount, formatDuration, formatPercent } from '../../lib/format';
import { shownTarget, type WrittenTarget } from '../../lib/jobPage';
import { Card } from '../kit/Card';
import tables from '../kit/DataTable.module.css';
import { Timestamp } from '../running/Timestamp';
import { Figures, type Figure } from './Figures';
import styles from './JobSlaCard.module.css';
import { SlaControl } from './SlaEditor';

type Sla = Extract<JobPageQuery['job'], { __typename: 'Job' }>['sla'];

function figures(sla: Sla, written: WrittenTarget | null): Figure[] {
  const { targetSeconds: target, catchingUp } = shownTarget(sla.targetSeconds, written);
  const targetFigure: Figure = {
    label: 'Target',
    value: target === null ? 'None' : formatDuration(target),
    note: catchingUp
      ? 'just saved; the figures below follow within about a minute'
      : target === null
        ? 'runs are not held to a duration'
        : 'a run that takes longer breaches it',
  };
  if (sla.targetSeconds === null || catchingUp) return [targetFigure];
  return [
    targetFigure,
    {
      label: 'Breach rate',
      value: formatPercent(sla.breachRate),
      note: `${formatCount(sla.breachCount ?? 0)} of ${formatCount(sla.finishedRuns ?? 0)} finished runs took longer`,
      emphasis: (sla.breachCount ?? 0) > 0 ? 'alarm' : undefined,
    },
  ];
}

function Breaches({ breaches }: { breaches: Sla['breaches'] }) {
  return (
    <div>
      <h3 className={styles.subheading}>Latest breaches</h3>
      <ul className={styles.breachList}>
        {breaches.map((breach) => (
          <li key={breach.run.runId} className={styles.breach}>
            <Link to="/runs/$runId" params={{ runId: breach.run.runId }}>
              <Timestamp value={breach.run.startTime} />
            </Link>
            <span className={tables.muted}>
              {formatDuration(breach.durationSeconds)}, {formatDuration(breach.overSeconds)} over
            </span>
          </li>
        ))}
      </ul>
    </div>
  );
}

interface JobSlaCardProps {
  jobId: string;
  sla: Sla;
  written: WrittenTarget | null;
  onWritten: (written: WrittenTarget) => void;
}

/** The job's duration target, the runs that missed it, and the target changed in place. */
export function JobSlaCard({ jobId, sla, written, onWritten }: JobSlaCardProps) {
  const { targetSeconds, catchingUp } = shownTarget(sla.targetSeconds, written);
  return (
    <Card title="SLA" description="Its duration target: the job’s own run-duration health rule.">
      <div className={styles.stack}>
        <Figures figures={figures(sla, written)} />
        {/* Breaches of a target just replaced would mislead until the new one is read. */}
        {sla.breaches.length > 0 && !catchingUp && <Breaches breaches={sla.breaches} />}
        <SlaControl jobId={jobId} targetSeconds={targetSeconds} onWritten={onWritten} />
      </div>
    </Card>
  );
}

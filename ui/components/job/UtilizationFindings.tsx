import type { UtilizationFindingFieldsFragment } from '../../gql/graphql';
import { findingPresentation, savingText } from '../../lib/utilization';
import { Badge } from '../kit/Badge';
import styles from './Utilization.module.css';

/**
 * What a job's utilisation says, each finding with the change it recommends in words and what that
 * saves a month at list price. `label` names the list for screen readers.
 */
export function UtilizationFindings({
  findings,
  label = 'Findings',
}: {
  findings: readonly UtilizationFindingFieldsFragment[];
  label?: string;
}) {
  return (
    <ul className={styles.findings} aria-label={label}>
      {findings.map((finding) => {
        const { title, tone } = findingPresentation(finding.kind);
        return (
          <li key={`${finding.kind}-${finding.recommendation.kind}`} className={styles.finding}>
            <div className={styles.findingHead}>
              <Badge tone={tone}>{title}</Badge>
              <span
                className={
                  finding.estimatedMonthlySavingUsd === null ? styles.noSaving : styles.saving
                }
              >
                {finding.estimatedMonthlySavingUsd === null
                  ? 'No saving by itself'
                  : `Saves ${savingText(finding.estimatedMonthlySavingUsd)}`}
              </span>
            </div>
            <p className={styles.summary}>{finding.recommendation.summary}</p>
          </li>
        );
      })}
    </ul>
  );
}

import { Link } from '@tanstack/react-router';

import { AlertCountDocument } from '../../gql/graphql';
import { openAlertsSummary } from '../../lib/alerts';
import { cx } from '../../lib/classNames';
import { useGraphQLQuery } from '../../session/useGraphQLQuery';
import { Icon } from '../kit/Icon';
import styles from '../Sidebar.module.css';
import { ALERTS_REFRESH_MS } from './useAlertPages';

/**
 * The sidebar's link to the alerts, with a count of open alerts (every severity; acknowledged
 * ones are not open), red with any P1 among them; the link's name says what the count counts
 * ("Alerts, 52 open"). Read again every minute, and at once after an acknowledgement.
 */
export function AlertsNavLink() {
  const query = useGraphQLQuery(AlertCountDocument, {}, { refetchInterval: ALERTS_REFRESH_MS });
  const alerts = query.data?.alerts;
  const summary =
    alerts?.__typename === 'AlertConnection' ? openAlertsSummary(alerts.bySeverity) : null;
  // The name reads "Alerts, 52 open" and the eye sees "Alerts 52": the comma takes no room, and
  // the words after the number are for screen readers (name from content: no label to mismatch).
  return (
    <Link to="/alerts" className={styles.navLink}>
      <Icon name="bell" />
      <span>
        Alerts
        {summary !== null && <span className={styles.pause}>,</span>}
      </span>
      {summary !== null && (
        <span className={cx(styles.count, styles[`count-${summary.tone}`])} title={summary.detail}>
          {summary.total > 999 ? '999+' : summary.total}
          <span className="visually-hidden"> open</span>
        </span>
      )}
    </Link>
  );
}

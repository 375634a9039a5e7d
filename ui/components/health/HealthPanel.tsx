import { ServiceHealthDocument, type ServiceHealthQuery } from '../../gql/graphql';
import { cx } from '../../lib/classNames';
import { formatLatency, formatTimeOfDay } from '../../lib/format';
import { checkLabel, healthSummary, healthTone, serviceModeLabel } from '../../lib/health';
import { useGraphQLQuery } from '../../session/useGraphQLQuery';
import { Button } from '../kit/Button';
import { Card } from '../kit/Card';
import { Icon } from '../kit/Icon';
import { Skeleton } from '../kit/Skeleton';
import { StatusBadge } from '../kit/StatusBadge';
import { STATUS_ICONS } from '../kit/statusIcons';
import { QueryError } from '../QueryError';
import styles from './HealthPanel.module.css';

// Often enough to notice a warehouse stopping, rare enough not to load the workspace.
const REFRESH_MS = 30_000;

type Health = ServiceHealthQuery['health'];

function HealthDetails({ health, checkedAt }: { health: Health; checkedAt: Date }) {
  const tone = healthTone(health.status);
  return (
    <>
      <div className={cx(styles.banner, styles[tone])}>
        <span className={styles.bannerIcon}>
          <Icon name={STATUS_ICONS[tone]} size={22} />
        </span>
        <div className={styles.bannerText}>
          <p className={styles.summary}>{healthSummary(health.status)}</p>
          <p className={styles.meta}>
            Version {health.version} · {serviceModeLabel(health.mode)} · Checked at{' '}
            <time dateTime={checkedAt.toISOString()}>{formatTimeOfDay(checkedAt)}</time>
          </p>
        </div>
        <span className={styles.overall}>
          <span className="visually-hidden">Overall status: </span>
          <StatusBadge status={health.status} />
        </span>
      </div>
      {health.checks.length === 0 ? (
        <p className={styles.message}>
          Sign in to see each dependency's check: the service shows them only to a confirmed user.
        </p>
      ) : (
        <div className={styles.tableWrap}>
          <table className={styles.table}>
            <caption className="visually-hidden">Dependency checks</caption>
            <thead>
              <tr>
                <th scope="col">Dependency</th>
                <th scope="col">Status</th>
                <th scope="col" className={styles.number}>
                  Latency
                </th>
                <th scope="col">Details</th>
              </tr>
            </thead>
            <tbody>
              {health.checks.map((check) => (
                <tr key={check.name}>
                  <th scope="row">
                    {checkLabel(check.name)}
                    <span className={styles.checkId}>{check.name}</span>
                  </th>
                  <td>
                    <StatusBadge status={check.status} />
                  </td>
                  <td className={styles.number}>{formatLatency(check.latencyMs)}</td>
                  <td className={styles.message}>{check.message ?? '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}

/** The service's dependencies (workspace, warehouse), checked live and refreshed in the background. */
export function HealthPanel() {
  const query = useGraphQLQuery(ServiceHealthDocument, {}, { refetchInterval: REFRESH_MS });
  const refresh = (): void => {
    void query.refetch();
  };
  return (
    <Card
      title="Service health"
      description="Whether Job Monitor can reach what it depends on."
      busy={query.isFetching}
      actions={
        // In the error state the alert offers "Try again"; one button per action.
        !query.isError && (
          <Button
            icon="refresh"
            busy={query.isFetching}
            disabled={query.isFetching}
            onClick={refresh}
          >
            Check again
          </Button>
        )
      }
    >
      {query.isPending ? (
        <Skeleton label="Loading service health" lines={4} />
      ) : query.isError ? (
        <QueryError
          what="service health"
          error={query.error}
          retrying={query.isFetching}
          onRetry={refresh}
        />
      ) : (
        <HealthDetails health={query.data.health} checkedAt={new Date(query.dataUpdatedAt)} />
      )}
    </Card>
  );
}

import { useEffect, useId, useRef, useState } from 'react';

import { AlertJobsDocument, type AlertKind, type AlertSeverity } from '../../gql/graphql';
import {
  alertsText,
  groupBySeverity,
  severityPresentation,
  type SeveritySection,
} from '../../lib/alerts';
import { retryIntervalFor } from '../../lib/apiErrors';
import type { GlobalFilters } from '../../lib/filters';
import { formatCount, formatDateTime } from '../../lib/format';
import { namePatternFor } from '../../lib/jobList';
import { filterWords } from '../../lib/runs';
import { useGraphQLQuery } from '../../session/useGraphQLQuery';
import { ApiErrorAlert } from '../ApiErrorAlert';
import { EmptyState } from '../EmptyState';
import { Badge } from '../kit/Badge';
import { Button } from '../kit/Button';
import { Card } from '../kit/Card';
import { Checkbox } from '../kit/Checkbox';
import { Skeleton } from '../kit/Skeleton';
import { TONE_ICONS } from '../kit/statusIcons';
import { QueryError } from '../QueryError';
import { AlertItem, type AlertChanged } from './AlertItem';
import styles from './Alerts.module.css';
import { AlertsApiError, useAlertPages, type AlertRow } from './useAlertPages';

/** The page's own filters; the filter bar's team and job name come with them. */
export interface AlertChoices {
  severities: readonly AlertSeverity[];
  kind: AlertKind | null;
  includeAcknowledged: boolean;
}

interface AlertsViewProps {
  choices: AlertChoices;
  filters: GlobalFilters;
  onShowAcknowledged: (show: boolean) => void;
}

/** Alerts filter by job id: a job-name filter is turned into the ids of (at most) this many jobs. */
const MAX_NAMED_JOBS = 100;

function Section({
  section,
  nowMs,
  onChanged,
}: {
  section: SeveritySection<AlertRow>;
  nowMs: number;
  onChanged: (changed: AlertChanged) => void;
}) {
  const headingId = useId();
  const { tone, meaning } = severityPresentation(section.severity);
  const loaded = section.alerts.length;
  return (
    <section className={styles.section} aria-labelledby={headingId}>
      <header className={styles.sectionHeader}>
        <h2 id={headingId} className={styles.sectionTitle}>
          <Badge tone={tone} icon={TONE_ICONS[tone]}>
            {section.severity}
          </Badge>
          <span>{alertsText(section.count)}</span>
        </h2>
        <p className={styles.sectionMeaning}>{meaning}</p>
      </header>
      {loaded > 0 && (
        <ul className={styles.list}>
          {section.alerts.map((alert) => (
            <AlertItem key={alert.id} alert={alert} nowMs={nowMs} onChanged={onChanged} />
          ))}
        </ul>
      )}
      {loaded < section.count && (
        <p className={styles.notLoaded}>
          {formatCount(section.count - loaded)} more {section.severity}{' '}
          {section.count - loaded === 1 ? 'alert is' : 'alerts are'} on the pages not loaded yet.
        </p>
      )}
    </section>
  );
}

function NoAlerts({ choices, filters }: { choices: AlertChoices; filters: GlobalFilters }) {
  const narrowed =
    choices.severities.length > 0 ||
    choices.kind !== null ||
    filters.team !== null ||
    filters.q !== '';
  return narrowed ? (
    <EmptyState icon="search" title="No alerts match these filters">
      None of the alerts of the jobs you can see matches the chosen severity, kind, team or job
      name; clear a filter to see the others.
    </EmptyState>
  ) : (
    <EmptyState icon="check" title="Nothing needs attention">
      No job you can see is failing in a row, missing its SLA, losing its success rate, running
      slower or costing more than usual, or spending past its budget.
    </EmptyState>
  );
}

/** What the page just did, said once the alert has left the list. */
function ChangeNotice({ changed }: { changed: AlertChanged | null }) {
  const ref = useRef<HTMLParagraphElement>(null);
  useEffect(() => {
    // The button pressed has gone with the alert: keep the keyboard's place on the news.
    if (changed !== null) ref.current?.focus();
  }, [changed]);
  return (
    <p ref={ref} role="status" tabIndex={-1} className={styles.notice}>
      {changed === null
        ? ''
        : changed.until === null
          ? `“${changed.alert.title}” is no longer acknowledged.`
          : `Acknowledged “${changed.alert.title}” until ${formatDateTime(new Date(changed.until), 'en-GB')}.`}
    </p>
  );
}

function AlertList({
  choices,
  filters,
  jobIds,
  onShowAcknowledged,
}: AlertsViewProps & { jobIds: string[] | null }) {
  const query = useAlertPages({
    severities: choices.severities.length === 0 ? null : [...choices.severities],
    kinds: choices.kind === null ? null : [choices.kind],
    jobIds,
    team: filters.team,
    includeAcknowledged: choices.includeAcknowledged,
  });
  const [changed, setChanged] = useState<AlertChanged | null>(null);

  if (query.isPending) {
    return (
      <Card title="Loading alerts">
        <Skeleton label="Loading alerts" lines={6} />
      </Card>
    );
  }
  if (query.isError && query.data === undefined) {
    const error = query.error;
    return error instanceof AlertsApiError ? (
      <ApiErrorAlert error={error.apiError} />
    ) : (
      <QueryError
        what="alerts"
        error={error}
        retrying={query.isFetching}
        onRetry={() => void query.refetch()}
      />
    );
  }
  const pages = query.data.pages;
  const first = pages[0];
  if (first === undefined) return null;
  const alerts = pages.flatMap((page) => page.nodes);
  const sections = groupBySeverity(alerts, first.bySeverity);
  const acknowledged = first.acknowledgedCount;
  const open = choices.includeAcknowledged ? first.totalCount - acknowledged : first.totalCount;
  return (
    <div className={styles.stack}>
      <div className={styles.summary}>
        <p>
          <strong>{formatCount(open)}</strong> open {open === 1 ? 'alert' : 'alerts'}
          {acknowledged > 0 &&
            (choices.includeAcknowledged
              ? `, and ${formatCount(acknowledged)} acknowledged shown with them`
              : `; ${formatCount(acknowledged)} acknowledged ${acknowledged === 1 ? 'is' : 'are'} hidden`)}
          .
        </p>
        <Checkbox
          label={`Show acknowledged (${formatCount(acknowledged)})`}
          checked={choices.includeAcknowledged}
          onChange={onShowAcknowledged}
        />
      </div>
      <ChangeNotice changed={changed} />
      {sections.length === 0 ? (
        <NoAlerts choices={choices} filters={filters} />
      ) : (
        sections.map((section) => (
          <Section
            key={section.severity}
            section={section}
            nowMs={query.dataUpdatedAt}
            onChanged={setChanged}
          />
        ))
      )}
      {query.hasNextPage && (
        <div className={styles.more}>
          <Button
            icon="arrowDown"
            busy={query.isFetchingNextPage}
            disabled={query.isFetchingNextPage}
            onClick={() => void query.fetchNextPage()}
          >
            Load more
          </Button>
          <span className={styles.notLoaded}>
            {formatCount(alerts.length)} of {formatCount(first.totalCount)} shown
          </span>
        </div>
      )}
      {query.isFetchNextPageError && (
        <p role="alert" className={styles.inputError}>
          The next alerts could not be loaded: {query.error.message}
        </p>
      )}
    </div>
  );
}

/** With a job-name filter: the alerts of the jobs whose names match (alerts filter by job id). */
function NamedJobsAlerts(props: AlertsViewProps) {
  const { filters } = props;
  const jobs = useGraphQLQuery(
    AlertJobsDocument,
    { namePattern: namePatternFor(filters.q), team: filters.team, first: MAX_NAMED_JOBS },
    { refetchInterval: (data) => retryIntervalFor(data?.jobs) },
  );
  if (jobs.isPending) {
    return (
      <Card title="Loading alerts">
        <Skeleton label="Loading the jobs whose alerts to show" lines={6} />
      </Card>
    );
  }
  if (jobs.isError) {
    return (
      <QueryError
        what="the jobs with that name"
        error={jobs.error}
        retrying={jobs.isFetching}
        onRetry={() => void jobs.refetch()}
      />
    );
  }
  const found = jobs.data.jobs;
  if (found.__typename !== 'JobConnection') return <ApiErrorAlert error={found} />;
  if (found.totalCount === 0) {
    return (
      <EmptyState icon="search" title={`No jobs with ${filterWords(filters)}`}>
        No job you can see has {filterWords(filters)}, so there are no alerts to show; clear the
        filter to see every alert.
      </EmptyState>
    );
  }
  return (
    <>
      {found.totalCount > found.nodes.length && (
        <p className={styles.notLoaded}>
          {formatCount(found.totalCount)} jobs have {filterWords(filters)}: these are the alerts of
          the first {formatCount(found.nodes.length)} by name. Narrow the name to see the others.
        </p>
      )}
      <AlertList {...props} jobIds={found.nodes.map((job) => job.jobId)} />
    </>
  );
}

/** The viewer's alerts, most urgent first, grouped by severity, each acknowledged in place. */
export function AlertsView(props: AlertsViewProps) {
  return props.filters.q === '' ? (
    <AlertList {...props} jobIds={null} />
  ) : (
    <NamedJobsAlerts {...props} />
  );
}

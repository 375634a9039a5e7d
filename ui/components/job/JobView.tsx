import { useState } from 'react';

import { JobPageDocument, type JobPageQuery, type Window } from '../../gql/graphql';
import { retryIntervalFor } from '../../lib/apiErrors';
import { shownTarget, triggerText, type WrittenTarget } from '../../lib/jobPage';
import { windowLabel } from '../../lib/windows';
import { useGlobalFilters } from '../../session/globalFilters';
import { useGraphQLQuery } from '../../session/useGraphQLQuery';
import { ApiErrorAlert } from '../ApiErrorAlert';
import { JobBudgetCard } from '../budgets/JobBudgetCard';
import { Card } from '../kit/Card';
import { PriorityBadge } from '../kit/PriorityBadge';
import { Skeleton } from '../kit/Skeleton';
import { PageHeader } from '../PageHeader';
import { QueryError } from '../QueryError';
import { ExternalLink } from './ExternalLink';
import { JobCostCard } from './JobCostCard';
import { JobDataPanel } from './JobDataPanel';
import { JobHealthCard } from './JobHealthCard';
import { JobSlaCard } from './JobSlaCard';
import { JobUtilizationCard } from './JobUtilizationCard';
import styles from './JobView.module.css';
import { RunHistory } from './RunHistory';
import { TaskGraph } from './TaskGraph';

type Job = Extract<JobPageQuery['job'], { __typename: 'Job' }>;

// A target just written reaches the API's read of the job within about a minute: ask until it has.
const CATCH_UP_MS = 10_000;

function JobFacts({ job }: { job: Job }) {
  const facts = [
    { label: 'Team', value: job.team ?? 'No team tag' },
    { label: 'Owner', value: job.owner ?? 'Not known' },
    { label: 'Trigger', value: triggerText(job.trigger, job.paused) },
  ];
  return (
    <dl className={styles.facts}>
      {facts.map((fact) => (
        <div key={fact.label} className={styles.fact}>
          <dt>{fact.label}</dt>
          <dd>{fact.value}</dd>
        </div>
      ))}
      <div className={styles.fact}>
        <dt>Priority</dt>
        <dd>
          <PriorityBadge priority={job.health?.priority ?? null} />
        </dd>
      </div>
    </dl>
  );
}

interface JobDetailsProps {
  job: Job;
  window: Window;
  written: WrittenTarget | null;
  onWritten: (written: WrittenTarget) => void;
}

function JobDetails({ job, window, written, onWritten }: JobDetailsProps) {
  const { targetSeconds } = shownTarget(job.sla.targetSeconds, written);
  return (
    <>
      <PageHeader
        title={job.name}
        description={`Its runs, health, cost, SLA and utilisation over the ${windowLabel(window).toLowerCase()}.`}
        actions={<ExternalLink href={job.url}>Open in Databricks</ExternalLink>}
      />
      <div className={styles.stack}>
        <JobFacts job={job} />
        <div className={styles.panels}>
          <JobHealthCard health={job.health} />
          <JobCostCard cost={job.cost} window={window} />
          <JobSlaCard jobId={job.jobId} sla={job.sla} written={written} onWritten={onWritten} />
        </div>
        <JobUtilizationCard jobId={job.jobId} window={window} />
        <JobBudgetCard jobId={job.jobId} />
        <RunHistory
          jobId={job.jobId}
          tasks={job.tasks}
          window={window}
          p50Seconds={job.health?.durationP50Seconds ?? null}
          p90Seconds={job.health?.durationP90Seconds ?? null}
          targetSeconds={targetSeconds}
        />
        <TaskGraph tasks={job.tasks} />
        <JobDataPanel jobId={job.jobId} window={window} />
      </div>
    </>
  );
}

function Loading({ jobId }: { jobId: string }) {
  return (
    <>
      <PageHeader title={`Job ${jobId}`} description="Loading the job…" />
      <div className={styles.panels}>
        {['Health', 'Cost', 'SLA'].map((title) => (
          <Card key={title} title={title} busy>
            <Skeleton label={`Loading the job’s ${title}`} lines={4} />
          </Card>
        ))}
      </div>
    </>
  );
}

/** One job over the filter bar's window: its health, cost, SLA and utilisation, its runs and its tasks. */
export function JobView({ jobId }: { jobId: string }) {
  const [{ window }] = useGlobalFilters();
  const [written, setWritten] = useState<WrittenTarget | null>(null);
  const query = useGraphQLQuery(
    JobPageDocument,
    { jobId, window },
    {
      refetchInterval: (data) => {
        const job = data?.job;
        const catchingUp =
          job?.__typename === 'Job' && shownTarget(job.sla.targetSeconds, written).catchingUp;
        return catchingUp ? CATCH_UP_MS : retryIntervalFor(job);
      },
    },
  );
  if (query.isPending) return <Loading jobId={jobId} />;
  if (query.isError) {
    return (
      <>
        <PageHeader title={`Job ${jobId}`} description="The job could not be loaded." />
        <QueryError
          what="the job"
          error={query.error}
          retrying={query.isFetching}
          onRetry={() => void query.refetch()}
        />
      </>
    );
  }
  const job = query.data.job;
  if (job.__typename !== 'Job') {
    return (
      <>
        <PageHeader title={`Job ${jobId}`} description="A job you can see, with its runs." />
        <ApiErrorAlert error={job} />
      </>
    );
  }
  return <JobDetails job={job} window={window} written={written} onWritten={setWritten} />;
}

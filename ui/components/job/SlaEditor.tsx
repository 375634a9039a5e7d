import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useId, useState } from 'react';

import {
  ClearJobSlaDocument,
  JobPageDocument,
  JobSlaEditabilityDocument,
  SetJobSlaDocument,
  type SlaChangeResultFragment,
} from '../../gql/graphql';
import { retryIntervalFor } from '../../lib/apiErrors';
import { executeGraphQL, operationName } from '../../lib/graphql';
import {
  describeSlaError,
  parseTargetMinutes,
  targetMinutesText,
  type WrittenTarget,
} from '../../lib/jobPage';
import { localUserToken } from '../../lib/localUsers';
import { useLocalUser } from '../../session/localUser';
import { useGraphQLQuery } from '../../session/useGraphQLQuery';
import { ApiErrorAlert } from '../ApiErrorAlert';
import { Alert } from '../kit/Alert';
import { Button } from '../kit/Button';
import { Icon } from '../kit/Icon';
import { Skeleton } from '../kit/Skeleton';
import { TextField } from '../kit/TextField';
import { QueryError } from '../QueryError';
import styles from './SlaEditor.module.css';
import { formatDuration } from '../../lib/format';

/** The job page's query, asked again after a change so its figures follow. */
const JOB_PAGE_QUERY = operationName(JobPageDocument.toString());

/** Sets (a number of seconds) or clears (null) the job's target, as the person using the page. */
function useSlaChange(jobId: string) {
  const localUser = useLocalUser();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (targetSeconds: number | null): Promise<SlaChangeResultFragment> => {
      const options = { accessToken: localUser === null ? null : localUserToken(localUser) };
      if (targetSeconds === null) {
        return (await executeGraphQL(ClearJobSlaDocument, { jobId }, options)).clearJobSla;
      }
      return (await executeGraphQL(SetJobSlaDocument, { jobId, targetSeconds }, options)).setJobSla;
    },
    // Not awaited: the read lags the write by up to a minute anyway (the page asks until it shows).
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: ['graphql', JOB_PAGE_QUERY] });
    },
  });
}

/** What became of a change: done, in words, or why not. */
function ChangeOutcome({ result }: { result: SlaChangeResultFragment }) {
  if (result.__typename !== 'JobSlaPayload') {
    const { title, detail } = describeSlaError(result);
    return (
      <Alert tone="critical" title={title}>
        {detail !== null && <p>{detail}</p>}
      </Alert>
    );
  }
  const text = !result.changed
    ? 'The job already had this target: nothing changed.'
    : result.targetSeconds === null
      ? 'Cleared: the job has no target now.'
      : `Saved: the target is now ${formatDuration(result.targetSeconds)}.`;
  return (
    <p role="status" className={styles.saved}>
      <Icon name="check" size={14} />
      {text}
    </p>
  );
}

interface SlaControlProps {
  jobId: string;
  targetSeconds: number | null;
  onWritten: (written: WrittenTarget) => void;
}

/** The target in minutes with Save and Clear, for a viewer who may change it. */
function SlaEditor({ jobId, targetSeconds, onWritten }: SlaControlProps) {
  const [text, setText] = useState(targetMinutesText(targetSeconds));
  const [inputError, setInputError] = useState<string | null>(null);
  const change = useSlaChange(jobId);
  const submit = (target: number | null): void => {
    change.mutate(target, {
      onSuccess: (result) => {
        if (result.__typename !== 'JobSlaPayload') return;
        onWritten({ targetSeconds: result.targetSeconds });
        if (result.targetSeconds === null) setText('');
      },
    });
  };
  return (
    <div className={styles.editor}>
      <form
        aria-label="Change the SLA target"
        className={styles.form}
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          const parsed = parseTargetMinutes(text);
          if ('error' in parsed) {
            setInputError(parsed.error);
            return;
          }
          setInputError(null);
          submit(parsed.seconds);
        }}
      >
        <TextField
          label="Target in minutes"
          type="number"
          inputMode="decimal"
          min={1}
          step="any"
          value={text}
          onChange={setText}
          aria-invalid={inputError !== null}
        />
        <Button type="submit" icon="check" busy={change.isPending} disabled={change.isPending}>
          Save
        </Button>
        {targetSeconds !== null && (
          <Button
            icon="cross"
            disabled={change.isPending}
            onClick={() => {
              setInputError(null);
              submit(null);
            }}
          >
            Clear
          </Button>
        )}
      </form>
      {inputError !== null && (
        <p role="alert" className={styles.inputError}>
          {inputError}
        </p>
      )}
      {change.isError && (
        <Alert tone="critical" title="The target was not changed">
          <p>{change.error.message}</p>
        </Alert>
      )}
      {change.data !== undefined && <ChangeOutcome result={change.data} />}
    </div>
  );
}

/** For a viewer who may not change the target: no control, and why not on hover and focus. */
function SlaReadOnly({ reason }: { reason: string | null }) {
  const reasonId = useId();
  const why = reason ?? 'You may not change this job’s target.';
  return (
    <p className={styles.readOnly}>
      <span
        className={styles.readOnlyLabel}
        // Focusable so that keyboard users can bring up the reason, as a pointer does.
        tabIndex={0}
        title={why}
        aria-describedby={reasonId}
      >
        <Icon name="shield" size={14} />
        View only: you cannot change the target
      </span>
      <span id={reasonId} className={styles.reason}>
        {why}
      </span>
    </p>
  );
}

/** The editor for a viewer who may change the target; for others, why they may not. */
export function SlaControl(props: SlaControlProps) {
  const query = useGraphQLQuery(
    JobSlaEditabilityDocument,
    { jobId: props.jobId },
    { refetchInterval: (data) => retryIntervalFor(data?.job) },
  );
  if (query.isPending) {
    return <Skeleton label="Checking whether you may change the target" lines={2} />;
  }
  if (query.isError) {
    return (
      <QueryError
        what="whether you may change the target"
        error={query.error}
        retrying={query.isFetching}
        onRetry={() => void query.refetch()}
      />
    );
  }
  const job = query.data.job;
  if (job.__typename !== 'Job') return <ApiErrorAlert error={job} />;
  const editable = job.sla.editable;
  // Null when the job's permissions cannot be read now: no control, and that said.
  if (editable === null) {
    return <SlaReadOnly reason="Whether you may change the target cannot be read right now." />;
  }
  return editable.allowed ? <SlaEditor {...props} /> : <SlaReadOnly reason={editable.reason} />;
}

import { Link } from '@tanstack/react-router';
import { useEffect, useId, useRef, useState } from 'react';

import {
  ACKNOWLEDGE_CHOICES,
  acknowledgeUntil,
  alertKindLabel,
  describeAlertChangeError,
  localInputValue,
  type AcknowledgeChoice,
} from '../../lib/alerts';
import { cx } from '../../lib/classNames';
import { formatCount, formatDateTime, formatTimeAgo, formatUtc } from '../../lib/format';
import { Alert } from '../kit/Alert';
import { Button } from '../kit/Button';
import { Icon } from '../kit/Icon';
import { SegmentedControl } from '../kit/SegmentedControl';
import { TextField } from '../kit/TextField';
import { Timestamp } from '../running/Timestamp';
import styles from './Alerts.module.css';
import type { AlertRow } from './useAlertPages';
import { useAlertChange, type AlertChangeResult } from './useAlertChange';

/** What became of a change, for the page to say once the alert has left the list. */
export interface AlertChanged {
  alert: AlertRow;
  /** Until when it was acknowledged; null: no longer. */
  until: string | null;
}

interface AlertItemProps {
  alert: AlertRow;
  /** When the list was read: "first seen 3 h ago" counts from here. */
  nowMs: number;
  onChanged: (changed: AlertChanged) => void;
}

function FirstSeen({ at, nowMs }: { at: string | null; nowMs: number }) {
  if (at === null) return <span>First seen: not known</span>;
  return (
    <span>
      First seen {formatTimeAgo(new Date(at), new Date(nowMs))} (<Timestamp value={at} />)
    </span>
  );
}

function Acknowledgement({ alert }: { alert: AlertRow }) {
  const ack = alert.acknowledgement;
  if (ack === null) return null;
  const until = new Date(ack.until);
  return (
    <p className={styles.acknowledged}>
      <Icon name="check" size={14} />
      <span>
        Acknowledged by {ack.by} until{' '}
        <time dateTime={ack.until} title={formatUtc(until)}>
          {formatDateTime(until, 'en-GB')}
        </time>
        {!ack.silencing && ' — it has worsened since, so it is back in the list'}
      </span>
    </p>
  );
}

function ChangeError({ result }: { result: AlertChangeResult }) {
  if (result.__typename === 'AlertAcknowledged' || result.__typename === 'AlertUnacknowledged') {
    return null;
  }
  const { title, detail } = describeAlertChangeError(result);
  return (
    <Alert tone="critical" title={title}>
      <p>{detail}</p>
    </Alert>
  );
}

/** How long to keep an alert quiet: a span, or until a chosen time. */
function AcknowledgeForm({
  alert,
  nowMs,
  onDone,
  onCancel,
}: {
  alert: AlertRow;
  nowMs: number;
  onDone: (until: string) => void;
  onCancel: () => void;
}) {
  const [choice, setChoice] = useState<AcknowledgeChoice>('1d');
  const [untilText, setUntilText] = useState(() =>
    localInputValue(new Date(nowMs + 24 * 3600 * 1000)),
  );
  const [inputError, setInputError] = useState<string | null>(null);
  const change = useAlertChange(alert.id, (until) => {
    if (until !== null) onDone(until.toISOString());
  });
  const form = useRef<HTMLFormElement>(null);
  useEffect(() => {
    // The button that opened the form is gone: the keyboard carries on at the chosen span.
    form.current?.querySelector<HTMLInputElement>('input:checked')?.focus();
  }, []);
  return (
    <form
      ref={form}
      className={styles.ackForm}
      aria-label={`Acknowledge: ${alert.title}`}
      noValidate
      onSubmit={(event) => {
        event.preventDefault();
        // The spans count from the moment of the click, not from when the list was read.
        const until = acknowledgeUntil(choice, Date.now(), untilText);
        if ('error' in until) {
          setInputError(until.error);
          return;
        }
        setInputError(null);
        change.mutate(until.until);
      }}
    >
      <SegmentedControl
        label="Keep it quiet"
        value={choice}
        options={ACKNOWLEDGE_CHOICES}
        onChange={setChoice}
      />
      {choice === 'until' && (
        <TextField
          label="Until (your time)"
          type="datetime-local"
          value={untilText}
          onChange={setUntilText}
          aria-invalid={inputError !== null}
          hint="At most 30 days ahead."
        />
      )}
      <p className={styles.formHint}>
        It leaves the list until then, and comes back sooner if it gets worse. Everyone who sees the
        job sees who acknowledged it.
      </p>
      <div className={styles.formButtons}>
        <Button type="submit" icon="check" busy={change.isPending} disabled={change.isPending}>
          Acknowledge
        </Button>
        <Button icon="cross" disabled={change.isPending} onClick={onCancel}>
          Cancel
        </Button>
      </div>
      {inputError !== null && (
        <p role="alert" className={styles.inputError}>
          {inputError}
        </p>
      )}
      {change.isError && (
        <Alert tone="critical" title="The alert was not acknowledged">
          <p>{change.error.message}</p>
        </Alert>
      )}
      {change.data !== undefined && <ChangeError result={change.data} />}
    </form>
  );
}

/** One alert: what it is, what the data shows, what to do, where to look, and who is on it. */
export function AlertItem({ alert, nowMs, onChanged }: AlertItemProps) {
  const [acknowledging, setAcknowledging] = useState(false);
  // After Cancel, the keyboard goes back to the button that opened the form.
  const [cancelled, setCancelled] = useState(false);
  const actions = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (cancelled && !acknowledging) actions.current?.querySelector('button')?.focus();
  }, [cancelled, acknowledging]);
  const unacknowledge = useAlertChange(alert.id, () => {
    onChanged({ alert, until: null });
  });
  const titleId = useId();
  const teamJobs = alert.jobIds.length;
  const ack = alert.acknowledgement;
  return (
    <li
      className={cx(styles.item, ack?.silencing === true && styles.quiet)}
      aria-labelledby={titleId}
    >
      <div className={styles.itemMain}>
        <p className={styles.kind}>
          {alertKindLabel(alert.kind)}
          {alert.team !== null && (
            <>
              {' · '}team {alert.team}, {formatCount(teamJobs)} {teamJobs === 1 ? 'job' : 'jobs'}
            </>
          )}
        </p>
        <h3 id={titleId} className={styles.title}>
          {alert.title}
        </h3>
        <p>{alert.detail}</p>
        <p className={styles.remediation}>
          <span className={styles.remediationLabel}>What to do: </span>
          {alert.remediation}
        </p>
        <p className={styles.meta}>
          <FirstSeen at={alert.firstSeenAt} nowMs={nowMs} />
          <span>
            {alert.team === null ? 'Job' : 'Costliest job'}:{' '}
            <Link to="/jobs/$jobId" params={{ jobId: alert.job.jobId }}>
              {alert.job.name}
            </Link>
          </span>
          {alert.run !== null && (
            <Link to="/runs/$runId" params={{ runId: alert.run.runId }}>
              The run to look at
              <span className="visually-hidden"> for {alert.title}</span>
            </Link>
          )}
        </p>
        <Acknowledgement alert={alert} />
      </div>
      {!acknowledging && (
        <div ref={actions} className={styles.itemActions}>
          {ack?.silencing !== true && (
            <Button
              icon="bell"
              aria-label={`${ack === null ? 'Acknowledge' : 'Acknowledge again'}: ${alert.title}`}
              onClick={() => {
                setAcknowledging(true);
                setCancelled(false);
              }}
            >
              {ack === null ? 'Acknowledge' : 'Acknowledge again'}
            </Button>
          )}
          {ack !== null && (
            <Button
              icon="refresh"
              aria-label={`Unacknowledge: ${alert.title}`}
              busy={unacknowledge.isPending}
              disabled={unacknowledge.isPending}
              onClick={() => {
                unacknowledge.mutate(null);
              }}
            >
              Unacknowledge
            </Button>
          )}
        </div>
      )}
      {(unacknowledge.isError || unacknowledge.data !== undefined) && (
        <div className={styles.itemWide}>
          {unacknowledge.isError && (
            <Alert tone="critical" title="The acknowledgement was not taken back">
              <p>{unacknowledge.error.message}</p>
            </Alert>
          )}
          {unacknowledge.data !== undefined && <ChangeError result={unacknowledge.data} />}
        </div>
      )}
      {acknowledging && (
        <div className={styles.itemWide}>
          <AcknowledgeForm
            alert={alert}
            nowMs={nowMs}
            onCancel={() => {
              setAcknowledging(false);
              setCancelled(true);
            }}
            onDone={(until) => {
              setAcknowledging(false);
              onChanged({ alert, until });
            }}
          />
        </div>
      )}
    </li>
  );
}

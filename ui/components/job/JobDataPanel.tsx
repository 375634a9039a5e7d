import { Link } from '@tanstack/react-router';
import { Fragment, useId } from 'react';

import { JobDataDocument, type JobDataQuery, type Window } from '../../gql/graphql';
import { retryIntervalFor } from '../../lib/apiErrors';
import { formatCount } from '../../lib/format';
import {
  anomalousWrites,
  deltaText,
  formatAnomalyPercent,
  formatDelta,
  formatRows,
  longerWindowForChanges,
  schemaChangeDetail,
  schemaChangeLabel,
  schemaChangeTone,
  tableVerdict,
  writeMark,
  writeMarkLabel,
  writePoints,
  type WriteMark,
} from '../../lib/tableWrites';
import { windowLabel } from '../../lib/windows';
import { useGraphQLQuery } from '../../session/useGraphQLQuery';
import { EmptyState } from '../EmptyState';
import { Badge } from '../kit/Badge';
import { Card } from '../kit/Card';
import tables from '../kit/DataTable.module.css';
import type { IconName } from '../kit/Icon';
import { Timestamp } from '../running/Timestamp';
import { Figures, type Figure } from './Figures';
import { JobCardQuery } from './JobCardQuery';
import styles from './JobDataPanel.module.css';
import { TableWritesChart } from './TableWritesChart';

type Outputs = NonNullable<Extract<JobDataQuery['job'], { __typename: 'Job' }>['outputs']>;
type TableOutput = Outputs['tables'][number];
type TableWrite = TableOutput['writes'][number];
type SchemaChange = Outputs['schemaChanges'][number];

const TITLE = 'Data';
/** The writes to look at listed under a table's chart; the chart draws them all. */
const LISTED_WRITES = 10;

const MARK_ICONS: Record<WriteMark, IconName> = {
  empty: 'cross',
  above: 'warning',
  below: 'warning',
  unjudged: 'question',
  usual: 'check',
};

function description(window: Window): string {
  return `The tables it wrote and read over the ${windowLabel(window).toLowerCase()}, each write’s rows against the median of its previous writes, and their column changes.`;
}

/** A table's three-part name, free to break after each dot rather than inside a part. */
function TableName({ name }: { name: string }) {
  const parts = name.split('.');
  return (
    <>
      {parts.map((part, i) => (
        <Fragment key={i}>
          {part}
          {i < parts.length - 1 && (
            <>
              .<wbr />
            </>
          )}
        </Fragment>
      ))}
    </>
  );
}

/** The panel at a glance, beside its title: unusual writes, and column changes. */
function Summary({ outputs }: { outputs: Outputs }) {
  const anomalies = outputs.tables.reduce((sum, table) => sum + table.anomalousWrites, 0);
  const judged = outputs.tables.some((table) => table.historyRead && table.writes.length > 0);
  const changes = outputs.schemaChanges;
  const breaking = changes.some((change) => schemaChangeTone(change.kind) !== 'neutral');
  return (
    <div className={styles.summary}>
      {anomalies > 0 ? (
        <Badge tone="critical" icon="warning">
          {formatCount(anomalies)} unusual {anomalies === 1 ? 'write' : 'writes'}
        </Badge>
      ) : (
        judged && (
          <Badge tone="ok" icon="check">
            Rows as usual
          </Badge>
        )
      )}
      {changes.length > 0 && (
        <Badge tone={breaking ? 'warning' : 'neutral'} icon={breaking ? 'warning' : undefined}>
          {formatCount(changes.length)} column {changes.length === 1 ? 'change' : 'changes'}
        </Badge>
      )}
    </div>
  );
}

function latestFigures(table: TableOutput, latest: TableWrite, percent: number): Figure[] {
  return [
    {
      label: 'Latest write',
      value: formatRows(latest.rows),
      note: (
        <>
          rows, <Timestamp value={latest.committedAt} />, version {latest.version},{' '}
          {latest.operation}
        </>
      ),
      emphasis: latest.emptyRun ? 'alarm' : undefined,
    },
    {
      label: 'Delta',
      value: latest.emptyRun ? 'Empty run' : formatDelta(latest.deltaPercent),
      note:
        latest.baselineRows === null
          ? deltaText(latest)
          : `against its baseline of ${formatRows(latest.baselineRows)} rows; usual within ±${formatAnomalyPercent(percent)}`,
      emphasis: latest.anomaly ? 'alarm' : undefined,
    },
    {
      label: 'Writes',
      value: formatCount(table.writes.length),
      note:
        table.anomalousWrites === 0
          ? 'in the window, all within the band'
          : `in the window, ${formatCount(table.anomalousWrites)} unusual`,
    },
  ];
}

function MarkBadge({ write }: { write: TableWrite }) {
  const mark = writeMark(write);
  const tone = mark === 'usual' ? 'ok' : mark === 'unjudged' ? 'neutral' : 'critical';
  return (
    <Badge tone={tone} icon={MARK_ICONS[mark]}>
      {writeMarkLabel(mark)}
    </Badge>
  );
}

/** The writes outside the band and the empty runs, newest first, with the run that made each. */
function UnusualWrites({ table, writes }: { table: string; writes: readonly TableWrite[] }) {
  const shown = writes.slice(0, LISTED_WRITES);
  return (
    <div className={tables.wrap}>
      <table className={tables.table}>
        <caption className={styles.caption}>
          Unusual writes
          {writes.length > shown.length &&
            ` (the latest ${formatCount(shown.length)} of ${formatCount(writes.length)})`}
          <span className="visually-hidden"> to {table}</span>
        </caption>
        <thead>
          <tr>
            <th scope="col">Write</th>
            <th scope="col">Committed</th>
            <th scope="col" className={tables.number}>
              Rows
            </th>
            <th scope="col" className={tables.number}>
              Baseline
            </th>
            <th scope="col" className={tables.number}>
              Delta
            </th>
            <th scope="col" className={tables.number}>
              Version
            </th>
            <th scope="col">Run</th>
          </tr>
        </thead>
        <tbody>
          {shown.map((write) => (
            <tr key={write.version}>
              <td>
                <MarkBadge write={write} />
              </td>
              <td className={tables.nowrap}>
                <Timestamp value={write.committedAt} />
              </td>
              <td className={tables.number}>{formatRows(write.rows)}</td>
              <td className={tables.number}>{formatRows(write.baselineRows)}</td>
              <td className={tables.number}>{formatDelta(write.deltaPercent)}</td>
              <td className={tables.number}>{write.version}</td>
              <td className={tables.nowrap}>
                {write.runId === null ? (
                  <span className={tables.muted}>Not recorded</span>
                ) : (
                  <Link
                    to="/runs/$runId"
                    params={{ runId: write.runId }}
                    aria-label={`Open run ${write.runId}, which wrote version ${String(write.version)}`}
                    title={`Run ${write.runId}`}
                  >
                    Open run
                  </Link>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function WrittenTable({
  table,
  changes,
  percent,
  nowMs,
}: {
  table: TableOutput;
  /** The column changes of every table; those of this one are marked on its chart. */
  changes: readonly SchemaChange[];
  percent: number;
  nowMs: number;
}) {
  const headingId = useId();
  const verdict = tableVerdict(table);
  const latest = table.writes[0];
  const points = writePoints(table.writes, percent);
  const unmeasured = table.writes.length - points.length;
  const unusual = anomalousWrites(table.writes);
  return (
    <section className={styles.table} aria-labelledby={headingId}>
      <header className={styles.tableHeader}>
        <h4 id={headingId} className={styles.tableName}>
          <TableName name={table.name} />
        </h4>
        <Badge
          tone={verdict.tone}
          icon={
            verdict.tone === 'ok' ? 'check' : verdict.tone === 'critical' ? 'warning' : 'question'
          }
        >
          {verdict.text}
        </Badge>
      </header>
      {!table.historyRead ? (
        <p className={styles.note}>
          Its Delta history was not read, so its writes are not shown: Job Monitor reads a limited
          number of tables’ histories at a time, and may not be allowed to read this one (or it was
          dropped since the job wrote it).
        </p>
      ) : latest === undefined ? (
        <p className={styles.note}>
          Its history holds no write of this job in the window: the lineage saw the job write it,
          but the Delta history read no longer reaches that far back.
        </p>
      ) : (
        <>
          <Figures figures={latestFigures(table, latest, percent)} />
          {points.length > 0 && (
            <TableWritesChart
              table={table.name}
              points={points}
              anomalyPercent={percent}
              nowMs={nowMs}
              changedAtMs={changes
                .filter((change) => change.table === table.name)
                .map((change) => Date.parse(change.changedAt))}
            />
          )}
          {unmeasured > 0 && (
            <p className={styles.note}>
              {formatCount(unmeasured)} {unmeasured === 1 ? 'write does' : 'writes do'} not say how
              many rows {unmeasured === 1 ? 'it' : 'they'} changed, and{' '}
              {unmeasured === 1 ? 'is' : 'are'} not drawn.
            </p>
          )}
          {unusual.length > 0 && <UnusualWrites table={table.name} writes={unusual} />}
        </>
      )}
    </section>
  );
}

function SchemaChanges({
  changes,
  window,
  unread,
}: {
  changes: readonly SchemaChange[];
  window: Window;
  /** Tables whose history was not read: their changes are not known. */
  unread: number;
}) {
  if (changes.length === 0) {
    const longer = longerWindowForChanges(window);
    return (
      <p className={tables.muted}>
        No column added, dropped, renamed or retyped in the {windowLabel(window).toLowerCase()}.
        {unread > 0 &&
          ` ${formatCount(unread)} ${unread === 1 ? 'table’s history was' : 'tables’ histories were'} not read: ${unread === 1 ? 'its' : 'their'} changes are not known.`}
        {longer !== null && (
          <>
            {' '}
            Delta keeps about 30 days of history:{' '}
            <Link to="." search={(previous) => ({ ...previous, window: longer })}>
              look back over the {windowLabel(longer).toLowerCase()}
            </Link>
            .
          </>
        )}
      </p>
    );
  }
  return (
    <div className={tables.wrap}>
      <table className={tables.table}>
        <caption className="visually-hidden">Schema changes, newest first</caption>
        <thead>
          <tr>
            <th scope="col">Change</th>
            <th scope="col">Column</th>
            <th scope="col">Now</th>
            <th scope="col">Table</th>
            <th scope="col" className={tables.number}>
              Version
            </th>
            <th scope="col">When</th>
          </tr>
        </thead>
        <tbody>
          {changes.map((change) => (
            <tr key={`${change.table}@${String(change.version)}:${change.column}`}>
              <td>
                <Badge
                  tone={schemaChangeTone(change.kind)}
                  icon={change.kind === 'DROPPED' ? 'cross' : undefined}
                >
                  {schemaChangeLabel(change.kind)}
                </Badge>
              </td>
              <td>
                <code className={styles.code}>{change.column}</code>
              </td>
              <td>{schemaChangeDetail(change)}</td>
              <td className={styles.name}>
                <TableName name={change.table} />
              </td>
              <td className={tables.number}>{change.version}</td>
              <td className={tables.nowrap}>
                <Timestamp value={change.changedAt} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Sources({ sources }: { sources: Outputs['sources'] }) {
  if (sources.length === 0) {
    return <p className={tables.muted}>It read no table in the window.</p>;
  }
  return (
    <ul className={styles.sources}>
      {sources.map((source) => (
        <li key={source.name} className={styles.name}>
          <TableName name={source.name} />
          {!source.historyRead && (
            <span className={styles.aside}> (history not read: its changes are not shown)</span>
          )}
        </li>
      ))}
    </ul>
  );
}

function DataDetails({
  outputs,
  window,
  nowMs,
}: {
  outputs: Outputs;
  window: Window;
  nowMs: number;
}) {
  const period = windowLabel(window).toLowerCase();
  if (outputs.tables.length === 0 && outputs.sources.length === 0) {
    return (
      <EmptyState icon="list" title="No tables written or read in this window">
        The lineage shows no Unity Catalog table this job wrote or read in the {period}. Choose a
        longer window in the filter bar to look further back.
      </EmptyState>
    );
  }
  return (
    <div className={styles.stack}>
      <div>
        <h3 className={styles.subheading}>
          Tables it writes ({formatCount(outputs.tables.length)})
        </h3>
        {outputs.tables.length === 0 ? (
          <EmptyState icon="list" title="No tables written in this window">
            The lineage shows no table this job wrote in the {period}, only those it read.
          </EmptyState>
        ) : (
          <div className={styles.tables}>
            {outputs.tables.map((table) => (
              <WrittenTable
                key={table.name}
                table={table}
                changes={outputs.schemaChanges}
                percent={outputs.anomalyPercent}
                nowMs={nowMs}
              />
            ))}
          </div>
        )}
      </div>
      <div>
        <h3 className={styles.subheading}>
          Tables it reads ({formatCount(outputs.sources.length)})
        </h3>
        <Sources sources={outputs.sources} />
      </div>
      <div>
        <h3 className={styles.subheading}>
          Schema changes ({formatCount(outputs.schemaChanges.length)})
        </h3>
        <SchemaChanges
          changes={outputs.schemaChanges}
          window={window}
          unread={[...outputs.tables, ...outputs.sources].filter((t) => !t.historyRead).length}
        />
      </div>
    </div>
  );
}

/**
 * What the job writes and reads over the filter bar's window: each table it writes with its rows
 * per write against the baseline band, the unusual writes and empty runs called out; the tables it
 * reads; and the column changes of them all.
 */
export function JobDataPanel({ jobId, window }: { jobId: string; window: Window }) {
  const query = useGraphQLQuery(
    JobDataDocument,
    { jobId, window },
    { refetchInterval: (data) => retryIntervalFor(data?.job) },
  );
  return (
    <JobCardQuery
      query={query}
      title={TITLE}
      description={description(window)}
      what="the tables the job writes and reads"
      lines={5}
    >
      {(job) => (
        <JobData
          outputs={job.outputs}
          window={window}
          fetching={query.isFetching}
          nowMs={query.dataUpdatedAt}
        />
      )}
    </JobCardQuery>
  );
}

function JobData({
  outputs,
  window,
  fetching,
  nowMs,
}: {
  outputs: Outputs | null;
  window: Window;
  fetching: boolean;
  nowMs: number;
}) {
  if (outputs === null) {
    return (
      <Card title={TITLE} description={description(window)}>
        <EmptyState icon="question" title="The tables could not be read">
          The service gave no answer for this job&apos;s tables; reload the page to ask again.
        </EmptyState>
      </Card>
    );
  }
  return (
    <Card
      title={TITLE}
      description={description(outputs.window)}
      actions={<Summary outputs={outputs} />}
      busy={fetching}
    >
      <DataDetails outputs={outputs} window={outputs.window} nowMs={nowMs} />
    </Card>
  );
}

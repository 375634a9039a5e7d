import { useState } from 'react';

import { ReportPreviewDocument } from '../../gql/graphql';
import { retryIntervalFor } from '../../lib/apiErrors';
import { reportPresentation, type ReportParam } from '../../lib/reports';
import { useGraphQLQuery } from '../../session/useGraphQLQuery';
import { ApiErrorAlert } from '../ApiErrorAlert';
import { Alert } from '../kit/Alert';
import { Card } from '../kit/Card';
import { Skeleton } from '../kit/Skeleton';
import { Tabs } from '../kit/Tabs';
import { QueryError } from '../QueryError';
import { Timestamp } from '../running/Timestamp';
import styles from './Reports.module.css';

type Format = 'html' | 'text';

/** A scheduled report rendered now over the viewer's jobs: its subject, period, e-mail and text. */
export function ReportView({ report }: { report: ReportParam }) {
  const { kind, name, description } = reportPresentation(report);
  const [format, setFormat] = useState<Format>('html');
  const query = useGraphQLQuery(
    ReportPreviewDocument,
    { kind },
    { refetchInterval: (data) => retryIntervalFor(data?.reportPreview) },
  );
  let content;
  if (query.isPending) {
    content = <Skeleton label={`Loading the ${name.toLowerCase()} report`} lines={8} />;
  } else if (query.isError) {
    content = (
      <QueryError
        what="the report"
        error={query.error}
        retrying={query.isFetching}
        onRetry={() => void query.refetch()}
      />
    );
  } else if (query.data.reportPreview.__typename !== 'ReportPreview') {
    content = <ApiErrorAlert error={query.data.reportPreview} />;
  } else {
    const preview = query.data.reportPreview;
    content = (
      <div className={styles.stack}>
        <dl className={styles.facts}>
          <div>
            <dt>Subject</dt>
            <dd className={styles.subject}>{preview.subject}</dd>
          </div>
          <div>
            <dt>Period</dt>
            <dd>
              <Timestamp value={preview.periodStart} /> to <Timestamp value={preview.periodEnd} />
            </dd>
          </div>
        </dl>
        <Tabs<Format>
          label="Format"
          value={format}
          onChange={setFormat}
          tabs={[
            {
              value: 'html',
              label: 'E-mail',
              content: (
                // No scripts, no forms, no navigation, an origin of its own: the e-mail is shown, never run.
                <iframe
                  className={styles.frame}
                  sandbox=""
                  srcDoc={preview.html}
                  title={`${name} e-mail: ${preview.subject}`}
                />
              ),
            },
            {
              value: 'text',
              label: 'Plain text',
              content: (
                <pre className={styles.text} tabIndex={0} aria-label="The plain-text part">
                  {preview.text}
                </pre>
              ),
            },
          ]}
        />
      </div>
    );
  }
  return (
    <div className={styles.stack}>
      <Alert tone="info" title="This preview covers the jobs you can see">
        <p>
          The scheduled e-mails cover every job of the workspace, for the people they are sent to;
          this page renders the same report from the same templates over your jobs only.
        </p>
      </Alert>
      <Card title={name} description={description} busy={query.isPending}>
        {content}
      </Card>
    </div>
  );
}

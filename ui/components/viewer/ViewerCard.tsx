import type { CurrentViewerQuery } from '../../gql/graphql';
import {
  authModeDescription,
  authModeLabel,
  initials,
  sortedGroups,
  viewerName,
} from '../../lib/viewer';
import { useLocalUser } from '../../session/localUser';
import { useViewer } from '../../session/useViewer';
import { Alert } from '../kit/Alert';
import { Badge } from '../kit/Badge';
import { Card } from '../kit/Card';
import { Skeleton } from '../kit/Skeleton';
import { QueryError } from '../QueryError';
import styles from './ViewerCard.module.css';

type SignedIn = Extract<CurrentViewerQuery['viewer'], { __typename: 'Viewer' }>;

function ViewerDetails({ viewer }: { viewer: SignedIn }) {
  const name = viewerName(viewer);
  const groups = sortedGroups(viewer.groups);
  return (
    <>
      <div className={styles.identity}>
        <span className={styles.avatar} aria-hidden="true">
          {initials(name)}
        </span>
        <div>
          <p className={styles.name}>{name}</p>
          <p className={styles.email}>{viewer.email ?? 'No e-mail address'}</p>
        </div>
      </div>
      <dl className={styles.facts}>
        <dt>User name</dt>
        <dd>{viewer.userName}</dd>
        <dt>Signed in through</dt>
        <dd>
          <Badge tone="info" icon={viewer.authMode === 'LOCAL' ? 'laptop' : 'cloud'}>
            {authModeLabel(viewer.authMode)}
          </Badge>
          <span className={styles.muted}>{authModeDescription(viewer.authMode)}</span>
        </dd>
        <dt>Role</dt>
        <dd>
          {viewer.isAdmin ? (
            <Badge tone="ok" icon="shield">
              Workspace admin
            </Badge>
          ) : (
            'Workspace user'
          )}
        </dd>
        <dt>Groups</dt>
        <dd>
          {groups.length === 0 ? (
            <span className={styles.muted}>No groups</span>
          ) : (
            <ul className={styles.groups} aria-label="Groups">
              {groups.map((group) => (
                <li key={group} className={styles.group}>
                  {group}
                </li>
              ))}
            </ul>
          )}
        </dd>
      </dl>
    </>
  );
}

function NotSignedIn({ message }: { message: string }) {
  const localUser = useLocalUser();
  return (
    <Alert tone="warning" title="You are not signed in">
      <p>{message}</p>
      <p>
        {localUser === null
          ? 'Open Job Monitor from your Databricks workspace so it can act on your behalf.'
          : 'The local workspace did not accept the chosen user; choose another one in the sidebar.'}
      </p>
    </Alert>
  );
}

/** Who the service is acting for, as the workspace confirmed it. */
export function ViewerCard() {
  const query = useViewer();
  const viewer = query.data?.viewer;
  return (
    <Card
      title="Signed in as"
      description="Who Job Monitor acts for, as confirmed by the workspace."
      busy={query.isFetching}
    >
      {query.isPending ? (
        <Skeleton label="Loading who you are signed in as" />
      ) : query.isError ? (
        <QueryError
          what="who you are signed in as"
          error={query.error}
          retrying={query.isFetching}
          onRetry={() => void query.refetch()}
        />
      ) : viewer?.__typename === 'Viewer' ? (
        <ViewerDetails viewer={viewer} />
      ) : (
        <NotSignedIn message={viewer?.message ?? 'No identity was returned.'} />
      )}
    </Card>
  );
}

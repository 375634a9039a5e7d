import { createFileRoute } from '@tanstack/react-router';

import { AlertFilters } from '../../components/alerts/AlertFilters';
import { AlertsView } from '../../components/alerts/AlertsView';
import { PageHeader } from '../../components/PageHeader';
import type { AlertKind } from '../../gql/graphql';
import { parseAlertKind, parseSeverities, severitiesParam } from '../../lib/alerts';
import { useGlobalFilters } from '../../session/globalFilters';

/** The page's own parameters; the filter bar's (`team`, `q`) belong to the layout. */
interface AlertsSearch {
  /** "P1,P2": only these severities. */
  severity?: string;
  kind?: AlertKind;
  /** Show the alerts an acknowledgement keeps quiet too. */
  acknowledged?: true;
}

function AlertsPage() {
  const params = Route.useSearch();
  const navigate = Route.useNavigate();
  const [filters] = useGlobalFilters();
  const severities = parseSeverities(params.severity) ?? [];
  const kind = params.kind ?? null;
  const update = (change: AlertsSearch): void => {
    void navigate({ search: (previous) => ({ ...previous, ...change }) });
  };
  return (
    <>
      <PageHeader
        title="Alerts"
        description="What needs attention in the jobs you can see, the most urgent first, each with a next step. Each kind looks at its own period, so the window does not apply here; team and job name do."
        actions={
          <AlertFilters
            severities={severities}
            kind={kind}
            onChange={(change) => {
              update({
                ...('severities' in change
                  ? { severity: severitiesParam(change.severities ?? []) }
                  : {}),
                ...('kind' in change ? { kind: change.kind ?? undefined } : {}),
              });
            }}
          />
        }
      />
      <AlertsView
        choices={{ severities, kind, includeAcknowledged: params.acknowledged === true }}
        filters={filters}
        onShowAcknowledged={(show) => {
          update({ acknowledged: show ? true : undefined });
        }}
      />
    </>
  );
}

export const Route = createFileRoute('/_sidebar/alerts')({
  validateSearch: (search: Record<string, unknown>): AlertsSearch => {
    const severity = severitiesParam(parseSeverities(search.severity) ?? []);
    const kind = parseAlertKind(search.kind);
    return {
      ...(severity === undefined ? {} : { severity }),
      ...(kind === undefined ? {} : { kind }),
      ...(search.acknowledged === true || search.acknowledged === 'true'
        ? { acknowledged: true as const }
        : {}),
    };
  },
  head: () => ({ meta: [{ title: 'Alerts · Job Monitor' }] }),
  component: AlertsPage,
});

import { createFileRoute } from '@tanstack/react-router';

import { SegmentedControl } from '../../components/kit/SegmentedControl';
import { PageHeader } from '../../components/PageHeader';
import { ReportView } from '../../components/reports/ReportView';
import { DEFAULT_REPORT, parseReportParam, REPORTS, type ReportParam } from '../../lib/reports';

/** The page's own parameter: which report (the filter bar's do not apply to reports). */
interface ReportsSearch {
  report?: ReportParam;
}

const OPTIONS = REPORTS.map((r) => ({ value: r.param, label: r.label }));

function ReportsPage() {
  const params = Route.useSearch();
  const navigate = Route.useNavigate();
  const report = params.report ?? DEFAULT_REPORT;
  return (
    <>
      <PageHeader
        title="Reports"
        description="The scheduled e-mails, rendered now: daily health, weekly cost and the monthly executive report. The filter bar does not apply to them."
        actions={
          <SegmentedControl
            label="Report"
            value={report}
            options={OPTIONS}
            onChange={(chosen) => {
              void navigate({
                search: (previous) => ({
                  ...previous,
                  report: chosen === DEFAULT_REPORT ? undefined : chosen,
                }),
              });
            }}
          />
        }
      />
      <ReportView key={report} report={report} />
    </>
  );
}

export const Route = createFileRoute('/_sidebar/reports')({
  validateSearch: (search: Record<string, unknown>): ReportsSearch => {
    const report = parseReportParam(search.report);
    return report === undefined ? {} : { report };
  },
  head: () => ({ meta: [{ title: 'Reports · Job Monitor' }] }),
  component: ReportsPage,
});

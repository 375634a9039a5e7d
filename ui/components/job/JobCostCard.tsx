import type { JobPageQuery, Window } from '../../gql/graphql';
import { changeText } from '../../lib/costs';
import { formatCount, formatMoney } from '../../lib/format';
import { EmptyState } from '../EmptyState';
import { Card } from '../kit/Card';
import { Figures, type Figure } from './Figures';

type Cost = Extract<JobPageQuery['job'], { __typename: 'Job' }>['cost'];

function figures(cost: Cost, window: Window): Figure[] {
  const money = (amount: number | null) => formatMoney(amount, cost.currency);
  return [
    {
      label: 'Spend',
      value: money(cost.listCostUsd),
      note: changeText(cost.changeVsPreviousWindow, cost.previousListCostUsd, window),
    },
    {
      label: 'Wasted',
      value: money(cost.wastedUsd),
      note: 'on failed, canceled and repaired attempts',
      emphasis: cost.wastedUsd > 0 ? 'caution' : undefined,
    },
    {
      label: 'Per successful run',
      value: money(cost.costPerSuccessfulRunUsd),
      note: `${formatCount(cost.successfulRuns)} of ${formatCount(cost.runs)} billed runs succeeded`,
    },
    {
      label: 'p90 run cost',
      value: money(cost.p90RunCostUsd),
      note: 'nine in ten runs cost less',
    },
    {
      label: 'DBUs',
      value: formatCount(Math.round(cost.dbus * 10) / 10),
      note: 'Databricks units billed',
    },
  ];
}

/** What the job's runs cost in the window, at list price. */
export function JobCostCard({ cost, window }: { cost: Cost; window: Window }) {
  return (
    <Card title="Cost" description={`At list price, in ${cost.currency}; repairs included.`}>
      {cost.runs === 0 && cost.listCostUsd === 0 ? (
        <EmptyState icon="chart" title="No spend in this window">
          No usage was billed to this job’s runs; runs on all-purpose clusters are billed to the
          cluster.
        </EmptyState>
      ) : (
        <Figures figures={figures(cost, window)} />
      )}
    </Card>
  );
}

import type { CostBreakdownFieldsFragment } from '../../gql/graphql';
import { cx } from '../../lib/classNames';
import { changeTone, formatChange, groupLabel, seriesColour, stackedDaily } from '../../lib/costs';
import { formatMoney, formatPercent } from '../../lib/format';
import { Card } from '../kit/Card';
import tables from '../kit/DataTable.module.css';
import styles from './Costs.module.css';
import { SpendChart } from './SpendChart';

export type Breakdown = Extract<CostBreakdownFieldsFragment, { __typename: 'CostBreakdown' }>;
type Group = Breakdown['groups'][number];

/** A group's change against the window before; "new" when it spent nothing then. */
export function ChangeCell({
  change,
  previous,
}: {
  change: number | null;
  previous: number | null;
}) {
  const text = formatChange(change) ?? (previous === null ? '—' : 'new');
  return (
    <td className={cx(tables.number, changeTone(change) === 'up' ? styles.up : tables.muted)}>
      {text}
    </td>
  );
}

function GroupRow({
  breakdown,
  group,
  colour,
}: {
  breakdown: Breakdown;
  group: Group;
  colour: string | null;
}) {
  return (
    <tr className={cx(!group.attributable && styles.outside)}>
      <th scope="row" className={styles.groupName}>
        <span
          className={styles.swatch}
          style={{ background: colour ?? undefined }}
          aria-hidden="true"
        />
        <span title={group.key ?? undefined}>{groupLabel(breakdown.groupBy, group.key)}</span>
        {!group.attributable && (
          <span className={styles.aside}>billed to the clusters, not in the total</span>
        )}
      </th>
      <td className={tables.number}>{formatMoney(group.listCostUsd, breakdown.currency)}</td>
      <td className={cx(tables.number, tables.muted)}>
        {group.attributable ? formatPercent(group.share) : '—'}
      </td>
      <ChangeCell change={group.changeVsPreviousWindow} previous={group.previousListCostUsd} />
    </tr>
  );
}

/** One breakdown of the spend: a stacked daily chart of its groups and a table of their totals. */
export function BreakdownCard({
  title,
  groupName,
  description,
  breakdown,
  wide = false,
}: {
  title: string;
  /** What a group is, for the table's first column: "Team". */
  groupName: string;
  description: string;
  breakdown: Breakdown;
  /** A full-width card: chart and table side by side. */
  wide?: boolean;
}) {
  const chart = stackedDaily(breakdown.groupBy, breakdown.groups);
  const colourOf = (key: string | null): string | null => {
    const index = chart.series.findIndex((s) => s.groups.includes(key));
    const series = chart.series[index];
    return series === undefined ? null : seriesColour(series.dataKey, index);
  };
  return (
    <Card title={title} description={description}>
      <div className={cx(styles.breakdown, wide && styles.breakdownWide)}>
        <SpendChart
          chart={chart}
          currency={breakdown.currency}
          label={`${title}: spend`}
          // Beside the table, the chart can be as tall as the table's rows.
          height={wide ? 260 : 180}
        />
        <div className={tables.wrap}>
          <table className={tables.table}>
            <caption className="visually-hidden">{`${title}: spend`}</caption>
            <thead>
              <tr>
                <th scope="col">{groupName}</th>
                <th scope="col" className={tables.number}>
                  Spend
                </th>
                <th scope="col" className={tables.number}>
                  Share
                </th>
                <th scope="col" className={tables.number}>
                  Change
                </th>
              </tr>
            </thead>
            <tbody>
              {breakdown.groups.map((group) => (
                <GroupRow
                  key={group.key ?? ''}
                  breakdown={breakdown}
                  group={group}
                  colour={colourOf(group.key)}
                />
              ))}
            </tbody>
          </table>
        </div>
      </div>
    </Card>
  );
}

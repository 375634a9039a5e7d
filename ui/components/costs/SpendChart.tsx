import { Bar, BarChart, CartesianGrid, Tooltip, XAxis, YAxis } from 'recharts';

import { formatMoneyCompact, seriesColour, type StackedDaily } from '../../lib/costs';
import { formatDay, formatMoney } from '../../lib/format';
import styles from './SpendChart.module.css';

const AXIS_TICK = { fill: 'var(--color-text-muted)', fontSize: 12 };

/**
 * Spend per UTC day, stacked by group, in the series colours its container defines (`--series-1`
 * …, see Costs.module.css). The table beside it holds the same figures as text, so the
 * chart is described as one image; the legend is plain HTML, to keep its text readable.
 */
export function SpendChart({
  chart,
  currency,
  label,
  height = 180,
}: {
  chart: StackedDaily;
  currency: string;
  label: string;
  height?: number;
}) {
  const money = (value: unknown): string =>
    typeof value === 'number' ? formatMoney(value, currency) : String(value);
  return (
    <figure className={styles.figure} aria-label={label}>
      <ul className={styles.legend} aria-label="Legend">
        {chart.series.map((series, i) => (
          <li key={series.dataKey} className={styles.key}>
            <span
              className={styles.swatch}
              style={{ background: seriesColour(series.dataKey, i) }}
              aria-hidden="true"
            />
            {series.label}
          </li>
        ))}
      </ul>
      <div className={styles.plot} role="img" aria-label={`${label}, per day`}>
        <BarChart
          responsive
          style={{ width: '100%', height }}
          data={chart.rows}
          margin={{ top: 4, right: 4, bottom: 0, left: 0 }}
          // The image above names it; the table carries the numbers for keyboards and screen readers.
          accessibilityLayer={false}
        >
          <CartesianGrid vertical={false} stroke="var(--color-border)" strokeDasharray="4 4" />
          <XAxis
            dataKey="date"
            tickFormatter={(date: string) => formatDay(date)}
            tick={AXIS_TICK}
            tickLine={false}
            axisLine={{ stroke: 'var(--color-border-strong)' }}
            minTickGap={24}
          />
          <YAxis
            domain={[0, chart.top]}
            ticks={[0, chart.top / 2, chart.top]}
            tickFormatter={(value: number) => formatMoneyCompact(value, currency)}
            tick={AXIS_TICK}
            tickLine={false}
            axisLine={false}
            width={56}
          />
          <Tooltip
            formatter={money}
            labelFormatter={(date) => (typeof date === 'string' ? formatDay(date) : '')}
            cursor={{ fill: 'var(--color-surface-muted)' }}
            contentStyle={{
              background: 'var(--color-surface)',
              border: '1px solid var(--color-border)',
              borderRadius: 'var(--radius-sm)',
            }}
            labelStyle={{ color: 'var(--color-text)', fontWeight: 600 }}
            itemStyle={{ color: 'var(--color-text)' }}
          />
          {chart.series.map((series, i) => (
            <Bar
              key={series.dataKey}
              dataKey={series.dataKey}
              name={series.label}
              stackId="spend"
              // A short window's few days would otherwise make slabs of bars.
              maxBarSize={28}
              fill={seriesColour(series.dataKey, i)}
              isAnimationActive={false}
            />
          ))}
        </BarChart>
      </div>
    </figure>
  );
}

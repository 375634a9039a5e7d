import { useNavigate } from '@tanstack/react-router';
import {
  Area,
  CartesianGrid,
  ComposedChart,
  Line,
  ReferenceLine,
  ResponsiveContainer,
  Scatter,
  Tooltip,
  XAxis,
  YAxis,
  type ScatterShapeProps,
  type TooltipContentProps,
} from 'recharts';

import { formatDateTime, formatUtc } from '../../lib/format';
import { timeTicks } from '../../lib/jobPage';
import {
  chartSummary,
  deltaText,
  formatAnomalyPercent,
  formatRows,
  formatRowsCompact,
  markPath,
  rowsAxisTop,
  WRITE_MARKS,
  writeMarkLabel,
  writesSpan,
  type WriteMark,
  type WritePoint,
} from '../../lib/tableWrites';
import styles from './TableWritesChart.module.css';

const DAY_MS = 86_400_000;
const HEIGHT = 220;

interface TableWritesChartProps {
  table: string;
  points: readonly WritePoint[];
  anomalyPercent: number;
  /** The right end of the time axis: when the writes were read. */
  nowMs: number;
  /** When the table's columns changed: a line each, where the writes are drawn. */
  changedAtMs: readonly number[];
}

function dateLabel(ms: number, stepMs: number): string {
  const date = new Date(ms);
  return stepMs >= DAY_MS
    ? new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short' }).format(date)
    : formatDateTime(date);
}

/** A write's mark, drawn around (cx, cy): a shape per mark, so none is told by colour alone. */
function MarkShape({ mark, cx, cy }: { mark: WriteMark; cx: number; cy: number }) {
  const path = markPath(mark, cx, cy);
  if (path === null) return <circle cx={cx} cy={cy} r={mark === 'unjudged' ? 4 : 3.5} />;
  return (
    <>
      <path d={path.outline} />
      {path.cross !== null && <path className={styles.cross} d={path.cross} />}
    </>
  );
}

/** The legend's swatch of a mark: the same shape, in a box of its own. */
function MarkSwatch({ mark }: { mark: WriteMark }) {
  return (
    <svg className={styles.swatch} width={18} height={18} viewBox="0 0 18 18">
      <g className={styles[mark]}>
        <MarkShape mark={mark} cx={9} cy={9} />
      </g>
    </svg>
  );
}

function ChartTooltip({ active, payload }: TooltipContentProps) {
  const point = payload[0]?.payload as WritePoint | undefined;
  if (!active || point === undefined) return null;
  return (
    <div className={styles.tooltip}>
      <p className={styles.tooltipTitle}>{formatDateTime(new Date(point.time))}</p>
      <p>
        {formatRows(point.rows)} rows, {writeMarkLabel(point.mark).toLowerCase()}
      </p>
      <p>{deltaText(point)}</p>
      <p className={styles.tooltipNote}>
        Version {point.version}, {point.operation} · {formatUtc(new Date(point.time))}
        {point.runId !== null && ' · click to open the run'}
      </p>
    </div>
  );
}

/** A table's writes in the window: rows over time, the baseline band, and each write's mark. */
export function TableWritesChart(props: TableWritesChartProps) {
  const { table, points, anomalyPercent, nowMs, changedAtMs } = props;
  const navigate = useNavigate();
  const { fromMs, toMs } = writesSpan(points, nowMs);
  const x = timeTicks(fromMs, toMs, 6);
  const top = rowsAxisTop(points);
  const yTicks = [0, top / 2, top];
  const marks = WRITE_MARKS.filter(({ mark }) => points.some((p) => p.mark === mark));
  const hasBand = points.some((p) => p.band !== null);
  const empties = points.filter((p) => p.mark === 'empty');
  const changes = [...new Set(changedAtMs)].filter((ms) => ms >= fromMs && ms <= toMs);
  return (
    <figure className={styles.figure}>
      {/* The chart's accessible name says the same in words; the legend is for the eye. */}
      <ul className={styles.legend} aria-hidden="true">
        {hasBand && (
          <li className={styles.key}>
            <span className={styles.bandSwatch} />
            Usual rows (median of previous writes ±{formatAnomalyPercent(anomalyPercent)})
          </li>
        )}
        {marks.map(({ mark, label }) => (
          <li key={mark} className={styles.key}>
            <MarkSwatch mark={mark} />
            {label}
          </li>
        ))}
        {changes.length > 0 && (
          <li className={styles.key}>
            <span className={styles.changeSwatch} />
            Column change (listed under Schema changes)
          </li>
        )}
      </ul>
      <div
        className={styles.plot}
        role="img"
        aria-label={chartSummary(table, points, anomalyPercent, changes.length)}
      >
        <ResponsiveContainer width="100%" height={HEIGHT}>
          <ComposedChart
            data={points}
            margin={{ top: 20, right: 16, bottom: 0, left: 0 }}
            accessibilityLayer={false}
          >
            <CartesianGrid vertical={false} className={styles.grid} />
            <XAxis
              type="number"
              dataKey="time"
              domain={[fromMs, toMs]}
              ticks={x.ticks}
              tickFormatter={(ms: number) => dateLabel(ms, x.stepMs)}
              className={styles.axis}
              padding={{ left: 12, right: 12 }}
            />
            <YAxis
              type="number"
              domain={[0, top]}
              ticks={yTicks}
              tickFormatter={(rows: number) => formatRowsCompact(rows)}
              className={styles.axis}
              width={56}
            />
            <Area
              dataKey="band"
              type="linear"
              className={styles.band}
              connectNulls={false}
              isAnimationActive={false}
              activeDot={false}
            />
            <Line
              dataKey="baselineRows"
              type="linear"
              className={styles.baseline}
              dot={false}
              activeDot={false}
              connectNulls={false}
              isAnimationActive={false}
            />
            <Line
              dataKey="rows"
              type="linear"
              className={styles.rows}
              dot={false}
              activeDot={false}
              isAnimationActive={false}
            />
            {changes.map((ms) => (
              <ReferenceLine key={`change-${String(ms)}`} x={ms} className={styles.changeLine} />
            ))}
            {empties.map((point) => (
              <ReferenceLine
                key={point.version}
                x={point.time}
                className={styles.emptyLine}
                label={{ value: 'Empty run', position: 'top', className: styles.emptyLabel }}
              />
            ))}
            {marks.map(({ mark, label }) => (
              <Scatter
                key={mark}
                name={label}
                dataKey="rows"
                data={points.filter((p) => p.mark === mark)}
                className={styles[mark]}
                isAnimationActive={false}
                shape={(props: ScatterShapeProps) => {
                  const point = props.payload as WritePoint | undefined;
                  if (props.cx === undefined || props.cy === undefined) return <g />;
                  return (
                    <g
                      className={point?.runId == null ? undefined : styles.clickable}
                      data-mark={mark}
                      data-version={point?.version}
                    >
                      <MarkShape mark={mark} cx={props.cx} cy={props.cy} />
                    </g>
                  );
                }}
                onClick={(entry) => {
                  const point = entry.payload as WritePoint | undefined;
                  if (point?.runId != null) {
                    void navigate({ to: '/runs/$runId', params: { runId: point.runId } });
                  }
                }}
              />
            ))}
            <Tooltip content={ChartTooltip} cursor={false} isAnimationActive={false} />
          </ComposedChart>
        </ResponsiveContainer>
      </div>
    </figure>
  );
}

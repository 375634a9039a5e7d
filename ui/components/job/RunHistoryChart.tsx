import { useNavigate } from '@tanstack/react-router';
import {
  CartesianGrid,
  ReferenceArea,
  ReferenceLine,
  ResponsiveContainer,
  Scatter,
  ScatterChart,
  Tooltip,
  XAxis,
  YAxis,
  type TooltipContentProps,
} from 'recharts';

import { cx } from '../../lib/classNames';
import { formatCount, formatDateTime, formatDuration, formatUtc } from '../../lib/format';
import type { DisplayTone } from '../../lib/health';
import { durationTicks, OUTCOMES, timeTicks, type ChartPoint } from '../../lib/jobPage';
import { runStateLabel } from '../../lib/runs';
import styles from './RunHistoryChart.module.css';
import tones from './tones.module.css';

const DAY_MS = 86_400_000;
const HEIGHT = 280;

interface RunHistoryChartProps {
  points: readonly ChartPoint[];
  /** The time axis: the window, or the part of it the points cover. */
  fromMs: number;
  toMs: number;
  p50Seconds: number | null;
  p90Seconds: number | null;
  targetSeconds: number | null;
}

function dateLabel(ms: number, stepMs: number): string {
  const date = new Date(ms);
  return stepMs >= DAY_MS
    ? new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short' }).format(date)
    : formatDateTime(date);
}

function ChartTooltip({ active, payload }: TooltipContentProps) {
  const point = payload[0]?.payload as ChartPoint | undefined;
  if (!active || point === undefined) return null;
  return (
    <div className={styles.tooltip}>
      <p className={styles.tooltipTitle}>{formatDateTime(new Date(point.time))}</p>
      <p>
        {runStateLabel(point.state)}, {formatDuration(point.durationSeconds)}
      </p>
      <p className={styles.tooltipNote}>{formatUtc(new Date(point.time))} · click to open</p>
    </div>
  );
}

function summary(points: readonly ChartPoint[], props: RunHistoryChartProps): string {
  const failed = points.filter((p) => p.tone === 'critical').length;
  const longest = Math.max(...points.map((p) => p.durationSeconds));
  const parts = [
    `Duration of ${formatCount(points.length)} finished runs over time, ${formatCount(failed)} of them failed`,
    `the longest took ${formatDuration(longest)}`,
  ];
  if (props.p50Seconds !== null && props.p90Seconds !== null) {
    parts.push(
      `usually between ${formatDuration(props.p50Seconds)} and ${formatDuration(props.p90Seconds)}`,
    );
  }
  if (props.targetSeconds !== null) {
    parts.push(`SLA target ${formatDuration(props.targetSeconds)}`);
  }
  return `${parts.join('; ')}.`;
}

/** Each finished run as a point: its duration over its start, coloured by outcome. */
export function RunHistoryChart(props: RunHistoryChartProps) {
  const { points, fromMs, toMs, p50Seconds, p90Seconds, targetSeconds } = props;
  const navigate = useNavigate();
  const x = timeTicks(fromMs, toMs, 7);
  const yTicks = durationTicks(
    Math.max(...points.map((p) => p.durationSeconds), p90Seconds ?? 0, targetSeconds ?? 0) * 1.05,
  );
  const top = yTicks.at(-1) ?? 60;
  const byTone = new Map<DisplayTone, ChartPoint[]>();
  for (const point of points) byTone.set(point.tone, [...(byTone.get(point.tone) ?? []), point]);
  const shown = OUTCOMES.filter((outcome) => byTone.has(outcome.tone));
  const band = p50Seconds !== null && p90Seconds !== null;
  return (
    <figure className={styles.figure}>
      {/* The chart's summary says the same in words; the legend is for the eye. */}
      <ul className={styles.legend} aria-hidden="true">
        {shown.map((outcome) => (
          <li key={outcome.tone} className={styles.key}>
            <span className={cx(styles.dot, tones[outcome.tone])} />
            {outcome.label}
          </li>
        ))}
        {band && (
          <li className={styles.key}>
            <span className={styles.bandSwatch} />
            Usual duration (p50–p90)
          </li>
        )}
        {targetSeconds !== null && (
          <li className={styles.key}>
            <span className={styles.targetSwatch} />
            SLA target
          </li>
        )}
      </ul>
      <div className={styles.plot} role="img" aria-label={summary(points, props)}>
        <ResponsiveContainer width="100%" height={HEIGHT}>
          <ScatterChart
            margin={{ top: 8, right: 16, bottom: 0, left: 0 }}
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
              // Room for the points at either end of the axis.
              padding={{ left: 8, right: 8 }}
            />
            <YAxis
              type="number"
              dataKey="durationSeconds"
              domain={[0, top]}
              ticks={yTicks}
              tickFormatter={(seconds: number) => formatDuration(seconds)}
              className={styles.axis}
              width={64}
            />
            {band && <ReferenceArea y1={p50Seconds} y2={p90Seconds} className={styles.band} />}
            {targetSeconds !== null && (
              <ReferenceLine
                y={targetSeconds}
                className={styles.target}
                label={{
                  value: `SLA ${formatDuration(targetSeconds)}`,
                  position: 'insideTopRight',
                  className: styles.targetLabel,
                }}
              />
            )}
            {shown.map((outcome) => (
              <Scatter
                key={outcome.tone}
                name={outcome.label}
                data={byTone.get(outcome.tone)}
                className={cx(styles.points, tones[outcome.tone])}
                isAnimationActive={false}
                onClick={(entry) => {
                  const point = entry.payload as ChartPoint | undefined;
                  if (point !== undefined) {
                    void navigate({ to: '/runs/$runId', params: { runId: point.runId } });
                  }
                }}
              />
            ))}
            <Tooltip content={ChartTooltip} cursor={false} isAnimationActive={false} />
          </ScatterChart>
        </ResponsiveContainer>
      </div>
    </figure>
  );
}

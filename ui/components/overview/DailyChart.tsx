import { dailyBars, type DailyCount } from '../../lib/chart';
import { formatCount, formatDay } from '../../lib/format';
import styles from './DailyChart.module.css';

// Drawing units per day; the SVG stretches to the card's width.
const SLOT = 10;
const BAR = 7;
const HEIGHT = 100;

/** Finished runs per UTC day with the failed ones in red over them; a tooltip per day. */
export function DailyChart({ days }: { days: readonly DailyCount[] }) {
  const { top, bars } = dailyBars(days);
  const first = days[0];
  const last = days.at(-1);
  const busiest = Math.max(0, ...days.map((d) => d.runs));
  const summary =
    first === undefined || last === undefined
      ? 'No days in this window'
      : `Runs and failed runs per day from ${formatDay(first.date)} to ${formatDay(last.date)}; at most ${formatCount(busiest)} runs a day`;
  return (
    <figure className={styles.figure}>
      <div className={styles.legend} aria-hidden="true">
        <span className={styles.key}>
          <span className={styles.swatchRuns} /> Runs
        </span>
        <span className={styles.key}>
          <span className={styles.swatchFailed} /> Failed
        </span>
      </div>
      <div className={styles.plot}>
        <span className={styles.top}>{formatCount(top)}</span>
        <svg
          className={styles.svg}
          viewBox={`0 0 ${String(Math.max(1, bars.length) * SLOT)} ${String(HEIGHT)}`}
          preserveAspectRatio="none"
          role="img"
          aria-label={summary}
        >
          <line className={styles.grid} x1={0} x2={bars.length * SLOT} y1={0.5} y2={0.5} />
          {bars.map((bar, i) => {
            const x = i * SLOT + (SLOT - BAR) / 2;
            const runsHeight = bar.runsShare * HEIGHT;
            const failedHeight = bar.failedShare * HEIGHT;
            return (
              <g key={bar.date}>
                <title>{`${formatDay(bar.date)}: ${formatCount(bar.runs)} runs, ${formatCount(bar.failed)} failed`}</title>
                {/* A full-height hit area, so a quiet day still shows its tooltip. */}
                <rect x={i * SLOT} y={0} width={SLOT} height={HEIGHT} fill="transparent" />
                <rect
                  className={styles.runs}
                  x={x}
                  y={HEIGHT - runsHeight}
                  width={BAR}
                  height={runsHeight}
                />
                <rect
                  className={styles.failed}
                  x={x}
                  y={HEIGHT - failedHeight}
                  width={BAR}
                  height={failedHeight}
                />
              </g>
            );
          })}
        </svg>
      </div>
      {first !== undefined && last !== undefined && (
        <figcaption className={styles.axis}>
          <span>{formatDay(first.date)}</span>
          <span>{formatDay(last.date)}</span>
        </figcaption>
      )}
    </figure>
  );
}

import { sparklineBars, sparklineSummary, type SparkRun } from '../../lib/jobList';
import styles from './JobsTable.module.css';

const WIDTH = 96;
const HEIGHT = 24;

/** A job's latest runs as bars: height is duration, colour the outcome; in words for screen readers. */
export function Sparkline({ runs }: { runs: readonly SparkRun[] }) {
  if (runs.length === 0) return <span className={styles.muted}>No runs</span>;
  return (
    <svg
      className={styles.sparkline}
      width={WIDTH}
      height={HEIGHT}
      viewBox={`0 0 ${String(WIDTH)} ${String(HEIGHT)}`}
      role="img"
      aria-label={sparklineSummary(runs)}
    >
      {sparklineBars(runs, WIDTH, HEIGHT).map((bar) => (
        <rect
          key={bar.runId}
          className={styles[bar.tone]}
          x={bar.x}
          y={bar.y}
          width={bar.width}
          height={bar.height}
          rx={1}
        >
          <title>{bar.title}</title>
        </rect>
      ))}
    </svg>
  );
}

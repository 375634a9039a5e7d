import { formatCount } from '../../lib/format';
import { layoutDag, type DagTask } from '../../lib/jobPage';
import { EmptyState } from '../EmptyState';
import { Card } from '../kit/Card';
import styles from './TaskGraph.module.css';

// Drawing units (CSS pixels: the drawing is not scaled, so text stays legible at any size).
const NODE_WIDTH = 172;
const NODE_HEIGHT = 30;
const COLUMN_GAP = 48;
const ROW_GAP = 10;
const PAD = 4;
/** Characters of a task key that fit a node at 12px monospace. */
const KEY_CHARS = 21;

function shortKey(key: string): string {
  return key.length <= KEY_CHARS ? key : `${key.slice(0, KEY_CHARS - 1)}…`;
}

const x = (layer: number): number => PAD + layer * (NODE_WIDTH + COLUMN_GAP);
const y = (row: number): number => PAD + row * (NODE_HEIGHT + ROW_GAP);

/** The job's tasks as a layered DAG: a column per depth, a line from each task to those after it. */
export function TaskGraph({ tasks }: { tasks: readonly DagTask[] }) {
  const layout = layoutDag(tasks);
  const where = new Map(layout.nodes.map((node) => [node.taskKey, node]));
  const width = x(layout.layers) - COLUMN_GAP + PAD;
  const height = y(layout.rows) - ROW_GAP + PAD;
  const summary = `${formatCount(layout.nodes.length)} ${layout.nodes.length === 1 ? 'task' : 'tasks'} in ${formatCount(layout.layers)} ${layout.layers === 1 ? 'stage' : 'stages'}`;
  return (
    <Card
      title="Tasks"
      description={`As the job defines them now: ${summary}, each after the tasks it waits for.`}
    >
      {tasks.length === 0 ? (
        <EmptyState icon="list" title="This job defines no tasks" />
      ) : (
        <>
          {/* Scrolls sideways for wide graphs; focusable so that keyboard users can scroll it too. */}
          <div
            className={styles.scroll}
            role="region"
            aria-label={`Task graph: ${summary}`}
            tabIndex={0}
          >
            <svg
              className={styles.svg}
              width={width}
              height={height}
              viewBox={`0 0 ${String(width)} ${String(height)}`}
              aria-hidden="true"
            >
              {layout.edges.map(({ from, to }) => {
                const a = where.get(from);
                const b = where.get(to);
                if (a === undefined || b === undefined) return null;
                const x1 = x(a.layer) + NODE_WIDTH;
                const y1 = y(a.row) + NODE_HEIGHT / 2;
                const x2 = x(b.layer);
                const y2 = y(b.row) + NODE_HEIGHT / 2;
                const bend = (x2 - x1) / 2;
                return (
                  <path
                    key={`${from}→${to}`}
                    className={styles.edge}
                    d={`M${String(x1)},${String(y1)} C${String(x1 + bend)},${String(y1)} ${String(x2 - bend)},${String(y2)} ${String(x2)},${String(y2)}`}
                  />
                );
              })}
              {layout.nodes.map((node) => (
                <g
                  key={node.taskKey}
                  transform={`translate(${String(x(node.layer))},${String(y(node.row))})`}
                >
                  <title>{node.taskKey}</title>
                  <rect className={styles.node} width={NODE_WIDTH} height={NODE_HEIGHT} rx={6} />
                  <text
                    className={styles.label}
                    x={10}
                    y={NODE_HEIGHT / 2}
                    dominantBaseline="central"
                  >
                    {shortKey(node.taskKey)}
                  </text>
                </g>
              ))}
            </svg>
          </div>
          {/* The drawing in words, for screen readers. */}
          <ol className="visually-hidden" aria-label="Tasks and what each waits for">
            {tasks.map((task) => (
              <li key={task.taskKey}>
                {task.taskKey}
                {task.dependsOn.length === 0 ? ', first' : `, after ${task.dependsOn.join(', ')}`}
              </li>
            ))}
          </ol>
        </>
      )}
    </Card>
  );
}

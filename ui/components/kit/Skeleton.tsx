import styles from './Skeleton.module.css';

interface SkeletonProps {
  /** What is loading, for screen readers ("Loading service health"). */
  label: string;
  lines?: number;
}

/** Placeholder lines in the shape of the content to come. */
export function Skeleton({ label, lines = 3 }: SkeletonProps) {
  return (
    <div className={styles.stack} role="status">
      <span className="visually-hidden">{label}</span>
      {Array.from({ length: lines }, (_, i) => (
        <span
          key={i}
          className={styles.skeleton}
          style={{ height: i === 0 ? 20 : 14, width: `${String(90 - i * 15)}%` }}
          aria-hidden="true"
        />
      ))}
    </div>
  );
}

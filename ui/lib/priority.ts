import type { Priority } from '../gql/graphql';
import type { DisplayTone } from './health';

interface PriorityPresentation {
  label: string;
  tone: DisplayTone;
  /** Why a job has it, for a tooltip. */
  reason: string;
}

const PRIORITIES: Record<Priority, PriorityPresentation> = {
  P1: { label: 'P1', tone: 'critical', reason: 'Failed twice or more in a row' },
  P2: {
    label: 'P2',
    tone: 'warning',
    reason: 'Success rate below 90% or its latest run took much longer than usual',
  },
  P3: { label: 'P3', tone: 'info', reason: 'Its latest run failed' },
};

const HEALTHY: PriorityPresentation = { label: 'Healthy', tone: 'ok', reason: 'No failures' };

/** A job's priority (null: healthy) as a badge's word, colour and reason. */
export function priorityPresentation(priority: Priority | null): PriorityPresentation {
  if (priority === null) return HEALTHY;
  return (
    (PRIORITIES as Partial<Record<string, PriorityPresentation>>)[priority] ?? {
      label: priority,
      tone: 'neutral',
      reason: 'A priority this version does not know',
    }
  );
}

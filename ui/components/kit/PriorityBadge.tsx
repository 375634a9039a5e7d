import type { Priority } from '../../gql/graphql';
import { priorityPresentation } from '../../lib/priority';
import { Badge } from './Badge';
import { TONE_ICONS } from './statusIcons';

/** A job's priority (null: healthy), with the rule behind it as a tooltip. */
export function PriorityBadge({ priority }: { priority: Priority | null }) {
  const { label, tone, reason } = priorityPresentation(priority);
  return (
    <span title={reason}>
      <Badge tone={tone} icon={TONE_ICONS[tone]}>
        {label}
      </Badge>
      <span className="visually-hidden"> ({reason})</span>
    </span>
  );
}

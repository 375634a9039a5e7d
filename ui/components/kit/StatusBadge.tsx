import type { HealthStatus } from '../../gql/graphql';
import { healthStatusLabel, healthTone } from '../../lib/health';
import { Badge } from './Badge';
import { STATUS_ICONS } from './statusIcons';

/** A health status as colour, icon and word together, so it reads without colour vision too. */
export function StatusBadge({ status }: { status: HealthStatus }) {
  const tone = healthTone(status);
  return (
    <Badge tone={tone} icon={STATUS_ICONS[tone]}>
      {healthStatusLabel(status)}
    </Badge>
  );
}

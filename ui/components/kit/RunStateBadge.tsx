import type { RunState } from '../../gql/graphql';
import { runStateLabel, runStateTone } from '../../lib/runs';
import { Badge } from './Badge';
import { TONE_ICONS } from './statusIcons';

/** A run's state as colour, icon and word together. */
export function RunStateBadge({ state }: { state: RunState }) {
  const tone = runStateTone(state);
  return (
    <Badge tone={tone} icon={TONE_ICONS[tone]}>
      {runStateLabel(state)}
    </Badge>
  );
}

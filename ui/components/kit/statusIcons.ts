import type { StatusTone } from '../../lib/health';
import type { IconName } from './Icon';

/** The icon that goes with each status colour. */
export const STATUS_ICONS: Record<StatusTone, IconName> = {
  ok: 'check',
  warning: 'warning',
  critical: 'cross',
  neutral: 'question',
};

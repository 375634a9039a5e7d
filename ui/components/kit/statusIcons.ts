import type { DisplayTone, StatusTone } from '../../lib/health';
import type { IconName } from './Icon';

/** The icon that goes with each status colour. */
export const STATUS_ICONS: Record<StatusTone, IconName> = {
  ok: 'check',
  warning: 'warning',
  critical: 'cross',
  neutral: 'question',
};

/** … and with `info`, used for things still in progress. */
export const TONE_ICONS: Record<DisplayTone, IconName> = { ...STATUS_ICONS, info: 'clock' };

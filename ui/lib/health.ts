import type { HealthStatus } from '../gql/graphql';

/** How a status reads on screen: a colour family that is never the only signal (a label goes with it). */
export type StatusTone = 'ok' | 'warning' | 'critical' | 'neutral';

/** Status tones plus `info`: something in progress or worth knowing, neither good nor bad. */
export type DisplayTone = StatusTone | 'info';

interface StatusPresentation {
  label: string;
  tone: StatusTone;
  summary: string;
}

const PRESENTATION: Record<HealthStatus, StatusPresentation> = {
  OK: { label: 'Operational', tone: 'ok', summary: 'All systems operational' },
  DEGRADED: { label: 'Degraded', tone: 'warning', summary: 'Some dependencies are degraded' },
  DOWN: { label: 'Down', tone: 'critical', summary: 'A dependency is down' },
};

// A status added to the schema later must still render, not crash the page.
const UNKNOWN: StatusPresentation = {
  label: 'Unknown',
  tone: 'neutral',
  summary: 'Status unknown',
};

function presentation(status: string): StatusPresentation {
  return (PRESENTATION as Partial<Record<string, StatusPresentation>>)[status] ?? UNKNOWN;
}

export function healthStatusLabel(status: HealthStatus): string {
  return presentation(status).label;
}

export function healthTone(status: HealthStatus): StatusTone {
  return presentation(status).tone;
}

/** One sentence for the overall status banner. */
export function healthSummary(status: HealthStatus): string {
  return presentation(status).summary;
}

const CHECK_NAMES: Partial<Record<string, string>> = {
  workspace: 'Databricks workspace',
  warehouse: 'SQL warehouse',
  jobs: 'Jobs API',
};

/** The dependency a check is about, in the user's words. */
export function checkLabel(name: string): string {
  const known = CHECK_NAMES[name];
  if (known !== undefined) return known;
  const words = name.replace(/[_-]+/g, ' ').trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** The service's run mode (`local`, `apps`) as a person reads it. */
export function serviceModeLabel(mode: string): string {
  switch (mode.toLowerCase()) {
    case 'local':
      return 'Local workspace';
    case 'apps':
      return 'Databricks App';
    default:
      return mode;
  }
}

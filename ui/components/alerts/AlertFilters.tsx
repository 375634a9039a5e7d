import type { AlertKind, AlertSeverity } from '../../gql/graphql';
import { ALERT_KINDS, SEVERITIES } from '../../lib/alerts';
import { CheckboxGroup } from '../kit/Checkbox';
import { Select, type SelectOption } from '../kit/Select';
import styles from './Alerts.module.css';

const ANY = 'ANY';
const KIND_OPTIONS: SelectOption<AlertKind | typeof ANY>[] = [
  { value: ANY, label: 'Any kind' },
  ...ALERT_KINDS,
];
const SEVERITY_OPTIONS: SelectOption<AlertSeverity>[] = SEVERITIES.map((s) => ({
  value: s,
  label: s,
}));

interface AlertFiltersProps {
  severities: readonly AlertSeverity[];
  kind: AlertKind | null;
  onChange: (change: { severities?: AlertSeverity[]; kind?: AlertKind | null }) => void;
}

/** The alerts page's own filters: severities (none chosen: all) and a kind. */
export function AlertFilters({ severities, kind, onChange }: AlertFiltersProps) {
  return (
    <div className={styles.filters}>
      <CheckboxGroup
        label="Severity"
        values={severities}
        options={SEVERITY_OPTIONS}
        onChange={(chosen) => {
          onChange({ severities: chosen });
        }}
      />
      <Select
        label="Kind"
        value={kind ?? ANY}
        options={KIND_OPTIONS}
        onChange={(chosen) => {
          onChange({ kind: chosen === ANY ? null : chosen });
        }}
      />
    </div>
  );
}

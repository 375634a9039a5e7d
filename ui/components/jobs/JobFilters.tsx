import { useState } from 'react';

import type { Priority } from '../../gql/graphql';
import { PRIORITY_FILTERS } from '../../lib/jobList';
import { Button } from '../kit/Button';
import { SegmentedControl } from '../kit/SegmentedControl';
import { TextField } from '../kit/TextField';
import styles from './JobFilters.module.css';

interface JobFiltersProps {
  owner: string | null;
  priority: Priority | null;
  onChange: (change: { owner?: string | null; priority?: Priority | null }) => void;
}

/**
 * The jobs page's own filters, beside the filter bar's: a job's owner (applied on submit, since each
 * change is a new query) and its priority over the window (at once).
 */
export function JobFilters({ owner, priority, onChange }: JobFiltersProps) {
  return (
    <div className={styles.filters}>
      <OwnerForm
        // A new address (Back, a shared link) shows its own owner.
        key={owner ?? ''}
        owner={owner ?? ''}
        onApply={(text) => {
          onChange({ owner: text === '' ? null : text });
        }}
      />
      <SegmentedControl
        label="Priority"
        value={priority ?? 'any'}
        options={PRIORITY_FILTERS}
        onChange={(chosen) => {
          onChange({ priority: chosen === 'any' ? null : chosen });
        }}
      />
    </div>
  );
}

function OwnerForm({ owner, onApply }: { owner: string; onApply: (owner: string) => void }) {
  const [text, setText] = useState(owner);
  return (
    <form
      role="search"
      aria-label="Job owner"
      className={styles.owner}
      onSubmit={(event) => {
        event.preventDefault();
        onApply(text.trim());
      }}
    >
      <TextField label="Owner" value={text} onChange={setText} placeholder="e.g. bob@example.com" />
      <Button type="submit">Apply</Button>
    </form>
  );
}

import { useState } from 'react';

import { useGlobalFilters } from '../session/globalFilters';
import { Button } from './kit/Button';
import { TextField } from './kit/TextField';
import styles from './FilterBar.module.css';
import { WindowSelect } from './WindowSelect';

/**
 * The filters every page shares: the window, a team and a job-name pattern. They live in the
 * address, so a view is a link to share; text applies on submit (Enter or the button), since each
 * change is a new query.
 */
export function FilterBar() {
  const [filters, update] = useGlobalFilters();
  return (
    <div className={styles.bar}>
      <WindowSelect
        value={filters.window}
        onChange={(window) => {
          update({ window });
        }}
      />
      <TextFilters
        // A new address (Back, a shared link) shows its own text.
        key={`${filters.team ?? ''}|${filters.q}`}
        team={filters.team ?? ''}
        q={filters.q}
        onApply={(team, q) => {
          update({ team: team === '' ? undefined : team, q: q === '' ? undefined : q });
        }}
      />
    </div>
  );
}

function TextFilters({
  team,
  q,
  onApply,
}: {
  team: string;
  q: string;
  onApply: (team: string, q: string) => void;
}) {
  const [teamText, setTeamText] = useState(team);
  const [nameText, setNameText] = useState(q);
  return (
    <form
      role="search"
      aria-label="Filter jobs"
      className={styles.form}
      onSubmit={(event) => {
        event.preventDefault();
        onApply(teamText.trim(), nameText.trim());
      }}
    >
      <TextField label="Team" value={teamText} onChange={setTeamText} placeholder="any team" />
      <TextField
        label="Job name"
        type="search"
        value={nameText}
        onChange={setNameText}
        placeholder="e.g. sales or prod-*-daily"
      />
      <Button type="submit" icon="search">
        Apply
      </Button>
    </form>
  );
}

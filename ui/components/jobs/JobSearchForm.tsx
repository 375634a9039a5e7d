import { useState } from 'react';

import { Button } from '../kit/Button';
import { TextField } from '../kit/TextField';
import styles from './JobSearchForm.module.css';

/** Searches job names on submit (Enter or the button), not on every key: each search is a query. */
export function JobSearchForm({
  search,
  onSearch,
}: {
  search: string;
  onSearch: (text: string) => void;
}) {
  const [text, setText] = useState(search);
  return (
    <form
      role="search"
      aria-label="Jobs"
      className={styles.form}
      onSubmit={(event) => {
        event.preventDefault();
        onSearch(text.trim());
      }}
    >
      <TextField
        label="Job name"
        type="search"
        value={text}
        onChange={setText}
        placeholder="e.g. sales or prod-*-daily"
      />
      <Button type="submit" icon="search">
        Search
      </Button>
    </form>
  );
}

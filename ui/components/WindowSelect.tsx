import type { Window } from '../gql/graphql';
import { WINDOWS } from '../lib/windows';
import { Select } from './kit/Select';

/** The time window a page's figures cover. */
export function WindowSelect({
  value,
  onChange,
}: {
  value: Window;
  onChange: (window: Window) => void;
}) {
  return <Select label="Window" value={value} options={WINDOWS} onChange={onChange} />;
}

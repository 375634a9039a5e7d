import { DEFAULT_LOCAL_USER, LOCAL_USERS, type LocalUserId } from '../lib/localUsers';
import { chooseLocalUser, useLocalUser } from '../session/localUser';
import { Select, type SelectOption } from './kit/Select';

const OPTIONS: SelectOption<LocalUserId>[] = LOCAL_USERS.map((user) => ({
  value: user.id,
  label: `${user.name} (${user.role})`,
}));

/** Local mode only: act as one of the local workspace's users, as the Databricks proxy would. */
export function LocalUserChooser() {
  const localUser = useLocalUser();
  return (
    <Select
      surface="dark"
      label="Act as local user"
      value={localUser ?? DEFAULT_LOCAL_USER}
      options={OPTIONS}
      onChange={chooseLocalUser}
      hint="Sends the user's local token, as the Databricks Apps proxy would."
    />
  );
}

import { Link } from '@tanstack/react-router';
import { useEffect } from 'react';

import { cx } from '../lib/classNames';
import { authModeLabel, initials, viewerName } from '../lib/viewer';
import { THEME_PREFERENCES } from '../lib/theme';
import { chooseLocalUser, useLocalUser } from '../session/localUser';
import { chooseThemePreference, useTheme, useThemePreference } from '../session/theme';
import { useViewer } from '../session/useViewer';
import { AlertsNavLink } from './alerts/AlertsNavLink';
import { Icon, type IconName } from './kit/Icon';
import { SegmentedControl } from './kit/SegmentedControl';
import { LocalUserChooser } from './LocalUserChooser';
import styles from './Sidebar.module.css';

const NAV = [
  { to: '/overview', label: 'Overview', icon: 'chart' },
  { to: '/jobs', label: 'Jobs', icon: 'list' },
  { to: '/running', label: 'Running now', icon: 'play' },
  { to: '/alerts', label: 'Alerts', icon: 'bell' },
  { to: '/costs', label: 'Costs', icon: 'coin' },
  { to: '/reports', label: 'Reports', icon: 'mail' },
  { to: '/dashboard', label: 'Dashboard', icon: 'dashboard' },
] as const satisfies readonly { to: string; label: string; icon: IconName }[];

export function Sidebar() {
  const { data } = useViewer();
  const localUser = useLocalUser();
  const viewer = data?.viewer;
  const signedIn = viewer?.__typename === 'Viewer' ? viewer : null;
  const authMode = signedIn?.authMode;
  // A stored choice means this origin ran in local mode; keep the chooser so a rejected user can be changed.
  const showChooser =
    authMode === 'LOCAL' || (viewer?.__typename === 'Unauthenticated' && localUser !== null);

  useEffect(() => {
    // Behind the Databricks proxy the token is the proxy's to set; never send a local one there.
    if (authMode === 'DATABRICKS_APP' && localUser !== null) chooseLocalUser(null);
  }, [authMode, localUser]);

  return (
    <aside className={styles.sidebar}>
      <Link to="/overview" className={styles.brand}>
        <span className={styles.logo}>
          <Icon name="dashboard" size={18} />
        </span>
        Job Monitor
      </Link>
      {authMode !== undefined && (
        <p className={cx(styles.mode, authMode === 'DATABRICKS_APP' && styles.modeApps)}>
          <Icon name={authMode === 'LOCAL' ? 'laptop' : 'cloud'} size={14} />
          <span>
            <span className="visually-hidden">Mode: </span>
            {authModeLabel(authMode)}
          </span>
        </p>
      )}
      <nav aria-label="Main">
        <ul className={styles.navList}>
          {NAV.map((item) => (
            <li key={item.to}>
              {item.to === '/alerts' ? (
                <AlertsNavLink />
              ) : (
                <Link to={item.to} className={styles.navLink}>
                  <Icon name={item.icon} />
                  {item.label}
                </Link>
              )}
            </li>
          ))}
        </ul>
      </nav>
      <div className={styles.session}>
        <ThemeChooser />
        {showChooser && <LocalUserChooser />}
        {signedIn !== null && (
          <div className={styles.who} role="group" aria-label="Signed in user">
            <span className={styles.avatar} aria-hidden="true">
              {initials(viewerName(signedIn))}
            </span>
            <div className={styles.whoText}>
              <p className={styles.whoName}>{viewerName(signedIn)}</p>
              <p className={styles.whoEmail}>{signedIn.email ?? signedIn.userName}</p>
            </div>
          </div>
        )}
      </div>
    </aside>
  );
}

/** Light, dark, or whatever the system says; kept in this browser. */
function ThemeChooser() {
  const preference = useThemePreference();
  const theme = useTheme();
  return (
    <SegmentedControl
      surface="dark"
      label="Theme"
      value={preference}
      options={THEME_PREFERENCES}
      onChange={chooseThemePreference}
      hint={preference === 'system' ? `Following your system: ${theme}` : undefined}
    />
  );
}

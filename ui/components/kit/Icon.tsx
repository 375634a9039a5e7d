import type { ReactNode } from 'react';

const PATHS = {
  check: <path d="M4.5 10.5l3.5 3.5 7.5-8" />,
  warning: (
    <>
      <path d="M10 3.5l7 12.5H3z" />
      <path d="M10 8.5v3.5M10 14.2v.1" />
    </>
  ),
  cross: <path d="M5.5 5.5l9 9M14.5 5.5l-9 9" />,
  question: (
    <>
      <path d="M7.6 7.6a2.5 2.5 0 114 2c-.9.6-1.6 1.1-1.6 2.2" />
      <path d="M10 14.7v.1" />
    </>
  ),
  dashboard: (
    <>
      <rect x="3" y="3" width="6" height="7" rx="1.2" />
      <rect x="11" y="3" width="6" height="4" rx="1.2" />
      <rect x="11" y="9" width="6" height="8" rx="1.2" />
      <rect x="3" y="12" width="6" height="5" rx="1.2" />
    </>
  ),
  refresh: (
    <>
      <path d="M16 10a6 6 0 11-1.8-4.3" />
      <path d="M16 3.5v3.2h-3.2" />
    </>
  ),
  shield: <path d="M10 2.8l6 2.2v4.6c0 3.6-2.5 6.4-6 7.6-3.5-1.2-6-4-6-7.6V5z" />,
  laptop: (
    <>
      <rect x="4" y="4.5" width="12" height="8.5" rx="1.2" />
      <path d="M2.5 15.5h15" />
    </>
  ),
  cloud: <path d="M6 15.5h8.5a3.5 3.5 0 00.4-7A5 5 0 005.3 9.6 3 3 0 006 15.5z" />,
  chart: (
    <>
      <path d="M3 16.5h14" />
      <path d="M5.5 13.5v-4M9 13.5V5.5M12.5 13.5v-6M16 13.5v-2.5" />
    </>
  ),
  list: (
    <>
      <path d="M7.5 5.5h9M7.5 10h9M7.5 14.5h9" />
      <path d="M3.5 5.5h.1M3.5 10h.1M3.5 14.5h.1" />
    </>
  ),
  coin: (
    <>
      <circle cx="10" cy="10" r="7" />
      <path d="M12.2 7.7c-.4-.7-1.2-1.1-2.2-1.1-1.3 0-2.2.7-2.2 1.6 0 2.2 4.6 1.2 4.6 3.5 0 1-1 1.7-2.4 1.7-1.1 0-2-.4-2.4-1.2M10 5.2v1.4M10 13.4v1.4" />
    </>
  ),
  play: (
    <>
      <circle cx="10" cy="10" r="7" />
      <path d="M8.5 7.3l4 2.7-4 2.7z" />
    </>
  ),
  clock: (
    <>
      <circle cx="10" cy="10" r="7" />
      <path d="M10 6v4.2l2.8 1.8" />
    </>
  ),
  search: (
    <>
      <circle cx="8.8" cy="8.8" r="5" />
      <path d="M12.5 12.5l4 4" />
    </>
  ),
  external: (
    <>
      <path d="M11.5 3.5h5v5M16.5 3.5L9.5 10.5" />
      <path d="M14.5 11.5v4a1 1 0 01-1 1h-9a1 1 0 01-1-1v-9a1 1 0 011-1h4" />
    </>
  ),
  bell: (
    <>
      <path d="M5 13.5V9a5 5 0 0110 0v4.5l1.5 1.5h-13z" />
      <path d="M8.3 17a1.8 1.8 0 003.4 0" />
    </>
  ),
  mail: (
    <>
      <rect x="3" y="4.5" width="14" height="11" rx="1.5" />
      <path d="M3.5 5.5l6.5 5 6.5-5" />
    </>
  ),
  arrowUp: <path d="M10 15.5v-11M5.5 9L10 4.5 14.5 9" />,
  arrowDown: <path d="M10 4.5v11M5.5 11l4.5 4.5 4.5-4.5" />,
  sortable: <path d="M6.5 8L10 4.5 13.5 8M6.5 12l3.5 3.5 3.5-3.5" />,
} satisfies Record<string, ReactNode>;

export type IconName = keyof typeof PATHS;

interface IconProps {
  name: IconName;
  size?: number;
  className?: string;
}

/** Decorative line icons; the text beside them carries the meaning, so they are hidden from screen readers. */
export function Icon({ name, size = 16, className }: IconProps) {
  return (
    <svg
      className={className}
      width={size}
      height={size}
      viewBox="0 0 20 20"
      fill="none"
      stroke="currentColor"
      strokeWidth={1.8}
      strokeLinecap="round"
      strokeLinejoin="round"
      aria-hidden="true"
      focusable="false"
    >
      {PATHS[name]}
    </svg>
  );
}

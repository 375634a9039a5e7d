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

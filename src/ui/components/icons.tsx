/** Line icons drawn inline as SVG (no icon font, nothing to fetch; fine under the CSP). */
export type IconName = 'overview' | 'providers' | 'tokens' | 'interceptions' | 'sessions' | 'usage' | 'prices' | 'settings';

const PATHS: Record<IconName, string> = {
  overview: 'M3 12h4l3-8 4 16 3-8h4',
  providers: 'M15 7a4 4 0 1 1-3.5 6L4 20.5 2.5 19l1.5-1.5L2.5 16 4 14.5l1.5 1.5 5-5A4 4 0 0 1 15 7z',
  tokens: 'M4 7h16v10H4zM8 12h.01M12 12h.01M16 12h.01',
  interceptions: 'M4 6h16M4 12h16M4 18h10',
  sessions: 'M6 4v16M6 6h12M6 12h9M6 18h12M3 4h6',
  usage: 'M5 20V10M12 20V4M19 20v-7',
  prices: 'M16 7.5c-.8-1.2-2.3-2-4-2-2.2 0-4 1.2-4 3s1.8 2.6 4 3 4 1.2 4 3-1.8 3-4 3c-1.7 0-3.2-.8-4-2M12 3v18',
  settings: 'M4 7c0-1.7 3.6-3 8-3s8 1.3 8 3-3.6 3-8 3-8-1.3-8-3zm0 0v10c0 1.7 3.6 3 8 3s8-1.3 8-3V7M4 12c0 1.7 3.6 3 8 3s8-1.3 8-3',
};

export function Icon({ name }: { name: IconName }) {
  return (
    <svg class="icon" viewBox="0 0 24 24" width="18" height="18" aria-hidden="true" focusable="false">
      <path d={PATHS[name]} fill="none" stroke="currentColor" stroke-width="1.8" stroke-linecap="round" stroke-linejoin="round" />
    </svg>
  );
}

/**
 * Retention durations as the gateway accepts them (SPEC §3): `0` keeps forever, otherwise
 * numbers with units s m h d w, compound allowed (`90d`, `2w`, `1h30m`). Checked here so the
 * user sees the problem before saving; the server checks again and its message wins.
 */
const UNIT_MS: Record<string, number> = { s: 1e3, m: 60e3, h: 3600e3, d: 86400e3, w: 604800e3 };

export function parseDuration(text: string): number | null {
  const s = text.trim();
  if (s === '0') return 0;
  if (!/^(\d+(\.\d+)?[smhdw])+$/.test(s)) return null;
  let total = 0;
  for (const m of s.matchAll(/(\d+(?:\.\d+)?)([smhdw])/g)) total += Number(m[1]) * (UNIT_MS[m[2] ?? 's'] ?? 0);
  return total;
}

/** A sentence explaining why `text` is not a duration, or null when it is fine. */
export function durationProblem(text: string): string | null {
  const s = text.trim();
  if (!s) return 'Enter a duration such as 60d, 2w or 1h30m, or 0 to keep records forever.';
  const ms = parseDuration(s);
  if (ms === null) return `“${s}” is not a duration. Use a number with a unit (s, m, h, d or w), e.g. 60d, 2w, 1h30m — or 0 for forever.`;
  if (ms === 0 && s !== '0') return 'A zero duration must be written as 0 (keep forever).';
  return null;
}

/** "60 days", "2 weeks", "forever". */
export function describeDuration(text: string): string {
  const ms = parseDuration(text);
  if (ms === null) return '';
  if (ms === 0) return 'forever';
  const units: [number, string][] = [[604800e3, 'week'], [86400e3, 'day'], [3600e3, 'hour'], [60e3, 'minute'], [1e3, 'second']];
  const plural = (n: number, name: string) => `${n} ${name}${n === 1 ? '' : 's'}`;
  // The largest unit that divides it exactly ("60 days", "2 weeks"); else a rounded figure.
  for (const [size, name] of units) if (ms % size === 0) return plural(ms / size, name);
  for (const [size, name] of units) if (ms >= size * 2) return `about ${plural(Math.round(ms / size), name)}`;
  return `${ms / 1000} seconds`;
}

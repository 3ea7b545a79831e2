/**
 * Durations as SPEC §3 spells them: `0` (keep forever / off) or Go-style numbers with units
 * `s m h d w`, compound allowed (`90d`, `2w`, `1440h`, `1h30m`). parse-duration does the
 * arithmetic; the strict pattern in front of it refuses what it would half-read (`1h foo`).
 */
import parse from 'parse-duration';

const STRICT = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h|d|w))+$/;

/** Milliseconds, or undefined when the text is not a valid duration. */
export function parseDuration(text: string): number | undefined {
  const s = text.trim();
  if (s === '0') return 0;
  if (!STRICT.test(s)) return undefined;
  const ms = parse(s);
  return ms === null || ms === undefined || !Number.isFinite(ms) ? undefined : ms;
}

// Weeks are accepted but not written: `14d` reads plainer than `2w` next to `60d`.
const UNITS: Array<[string, number]> = [
  ['d', 86_400_000],
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1000],
];

/** Inverse of {@link parseDuration} for display: 5400000 → `1h30m`, 0 → `0`. */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0';
  let rest = Math.round(ms);
  let out = '';
  for (const [unit, size] of UNITS) {
    const n = Math.floor(rest / size);
    if (n > 0) {
      out += `${n}${unit}`;
      rest -= n * size;
    }
  }
  if (rest > 0) out += `${rest}ms`;
  return out;
}

const SIZE = /^(\d+(?:\.\d+)?)\s*(b|kb|kib|mb|mib|gb|gib)?$/i;
const SIZE_UNITS: Record<string, number> = { b: 1, kb: 1000, kib: 1024, mb: 1e6, mib: 1024 ** 2, gb: 1e9, gib: 1024 ** 3 };

/** Byte sizes: `33554432`, `32MiB`, `10mb`. Undefined when invalid or not positive. */
export function parseSize(text: string): number | undefined {
  const m = SIZE.exec(text.trim());
  if (!m) return undefined;
  const n = Math.floor(Number(m[1]) * (SIZE_UNITS[(m[2] ?? 'b').toLowerCase()] ?? 1));
  return n > 0 ? n : undefined;
}

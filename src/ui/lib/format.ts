/** Display formatting: numbers, times and durations in the user's locale. */

const intFmt = new Intl.NumberFormat();
const compactFmt = new Intl.NumberFormat(undefined, { notation: 'compact', maximumFractionDigits: 1 });
const timeFmt = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
const dayTimeFmt = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
const fullFmt = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
const dayFmt = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric' });

export const int = (n: number | null | undefined): string => intFmt.format(n ?? 0);
export const compact = (n: number | null | undefined): string => ((n ?? 0) < 10_000 ? intFmt.format(n ?? 0) : compactFmt.format(n ?? 0));

function parse(iso: string | null | undefined): Date | null {
  if (!iso) return null;
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? null : d;
}

/** "14:03:22" for today, "Nov 25, 14:03" otherwise. */
export function shortTime(iso: string | null | undefined): string {
  const d = parse(iso);
  if (!d) return '—';
  return d.toDateString() === new Date().toDateString() ? timeFmt.format(d) : dayTimeFmt.format(d);
}

export function fullTime(iso: string | null | undefined): string {
  const d = parse(iso);
  return d ? fullFmt.format(d) : '—';
}

export function dayLabel(ms: number): string {
  return dayFmt.format(new Date(ms));
}

/** "3 min ago", "in 2 h", "just now". */
export function relative(iso: string | null | undefined, now = Date.now()): string {
  const d = parse(iso);
  if (!d) return 'never';
  const s = Math.round((now - d.getTime()) / 1000);
  if (Math.abs(s) < 45) return 'just now';
  const units: [number, string][] = [[60, 'min'], [3600, 'h'], [86400, 'd']];
  let out = `${Math.round(s / 60)} min`;
  for (const [secs, name] of units) if (Math.abs(s) >= secs) out = `${Math.round(Math.abs(s) / secs)} ${name}`;
  return s >= 0 ? `${out} ago` : `in ${out}`;
}

/** Milliseconds between two timestamps as "850 ms", "4.2 s", "3 min 5 s". */
export function duration(fromIso: string | null | undefined, toIso: string | null | undefined): string {
  const a = parse(fromIso);
  const b = parse(toIso);
  if (!a || !b) return '—';
  return ms(b.getTime() - a.getTime());
}

/** Time a call has been running, to the second: "0 s", "42 s", "3 min 5 s". */
export function elapsed(value: number): string {
  const s = Math.max(0, Math.floor(value / 1000));
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${s % 60} s`;
}

export function ms(value: number): string {
  if (value < 1000) return `${Math.max(0, Math.round(value))} ms`;
  if (value < 60_000) return `${(value / 1000).toFixed(value < 10_000 ? 2 : 1)} s`;
  const m = Math.floor(value / 60_000);
  return `${m} min ${Math.round((value % 60_000) / 1000)} s`;
}

export function prettyJson(value: unknown): string {
  if (typeof value === 'string') return value;
  try {
    return JSON.stringify(value, null, 2) ?? String(value);
  } catch {
    return String(value);
  }
}

/** A one-line preview of a long text. */
export function preview(text: string | undefined, max = 120): string {
  if (!text) return '';
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/** `datetime-local` input value ↔ RFC 3339. */
export function toLocalInput(ms: number): string {
  const d = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

export function fromLocalInput(value: string): string | null {
  if (!value) return null;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

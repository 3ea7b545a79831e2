/**
 * Redaction on the dashboard (SPEC §12, docs/redaction.md). No DOM here (unit-tested in Node).
 * Stored text holds `[REDACTED:RULE]` where a secret was; the record's `metadata.redactions`
 * (`[{rule, count}]`) sums what was removed from the whole call.
 */
import type { Metadata } from '../../record/types.js';

/** A piece of a text: plain, or a redaction marker with its rule. */
export type TextPart = { text: string; rule?: undefined } | { text: string; rule: string };

/** `[REDACTED:RULE]` as src/record/redaction.ts writes it (rule names: letters, digits, `-`, `_`, `.`). */
const MARKER = /\[REDACTED:([A-Za-z0-9][A-Za-z0-9._-]*)\]/g;

/** Splits a text into plain runs and markers, in order; a text without markers is one part. */
export function splitMarkers(text: string): TextPart[] {
  const parts: TextPart[] = [];
  let last = 0;
  for (const m of text.matchAll(MARKER)) {
    const at = m.index;
    if (at > last) parts.push({ text: text.slice(last, at) });
    parts.push({ text: m[0], rule: m[1]! });
    last = at + m[0].length;
  }
  if (last < text.length || parts.length === 0) parts.push({ text: text.slice(last) });
  return parts;
}

export interface RedactionCount {
  rule: string;
  count: number;
}

/** `metadata.redactions` read defensively (anything malformed is left out). */
export function redactionCounts(metadata: Metadata | null | undefined): RedactionCount[] {
  const list = metadata?.['redactions'];
  if (!Array.isArray(list)) return [];
  const out: RedactionCount[] = [];
  for (const e of list as unknown[]) {
    if (!e || typeof e !== 'object') continue;
    const { rule, count } = e as { rule?: unknown; count?: unknown };
    if (typeof rule === 'string' && typeof count === 'number' && Number.isFinite(count) && count > 0) out.push({ rule, count });
  }
  return out;
}

/** How many secrets were removed from a record (0 when none). */
export function redactionTotal(metadata: Metadata | null | undefined): number {
  return redactionCounts(metadata).reduce((n, c) => n + c.count, 0);
}

/** "github-token ×2, private-key ×1" (most first), or '' when none. */
export function redactionSummary(metadata: Metadata | null | undefined): string {
  return redactionCounts(metadata)
    .sort((a, b) => b.count - a.count || a.rule.localeCompare(b.rule))
    .map((c) => `${c.rule} ×${c.count}`)
    .join(', ');
}

/**
 * Secret redaction (SPEC §12): a {@link RecordTransform}, first in the record fan-out, so the
 * store, the log, export, the live feed and telemetry only ever see redacted records. The bytes
 * between client and upstream never pass through here.
 *
 * In a record, the prompts, tool inputs (every string, keys too, at any depth), tool invocation
 * errors, thoughts and the error text are scanned; every occurrence of a secret found in any of
 * them becomes `[REDACTED:RULE]`. The identifiers a client chose (model, user agent, session id)
 * are searched for our own secrets only, and lose any value found anywhere in the record. Each row that lost something gets `metadata.redactions`
 * (`[{rule, count}]`), and the record's own `metadata.redactions` sums the whole record.
 *
 * Two sources of secrets:
 * - our own, always (whatever `redact_secrets` says: a record never holds a provider key or a
 *   bridge token, SPEC §7): the configured secret settings and admin token as exact values, and
 *   bridge tokens by their shape, each confirmed against the token store (hashes only);
 * - the rule set of src/record/secret-rules.ts, while `redact_secrets` is on (default).
 *
 * Cost: a begun record's prompt is scanned at `begin` (after the upstream request is written, see
 * src/gateway/intercept/intercept.ts) and the result is kept for the `finish` of the same call, so
 * a prompt is scanned once; the rest is scanned at `finish`, after the client has its last bytes.
 */
import type { FinishedRecord, RecordTransform } from './fanout.js';
import type { Interception, Metadata } from './types.js';
import type { SecretFinding, SecretScanner } from './secret-rules.js';

/** Secrets shorter than this are never taken as values to replace (they would hit ordinary text). */
export const MIN_SECRET_LENGTH = 8;

/** A secret the gateway knows by value (a provider key): `rule` names it in the marker. */
export interface KnownSecret {
  rule: string;
  value: string;
}

/** Secrets known by shape and confirmed one by one (bridge tokens: the store keeps hashes only). */
export interface SecretCandidates {
  rule: string;
  /** A global pattern for values of the shape. */
  pattern: RegExp;
  /** A substring every value of the shape holds: a text without it is not searched. */
  hint?: string;
  /** Whether a value of the shape is really one of ours. */
  accept(value: string): boolean;
}

/** One entry of `metadata.redactions`. */
export interface RedactionCount {
  rule: string;
  count: number;
}

export interface RedactionOptions {
  /** `redact_secrets`: read at every record, so a settings change applies at once. */
  enabled: () => boolean;
  /** Our own secrets by value (provider keys, the admin token); read at every record. */
  known: () => readonly KnownSecret[];
  /** Our own secrets by shape (bridge tokens). */
  candidates?: readonly SecretCandidates[];
  /**
   * The rule set (`createSecretScanner()` of src/record/secret-rules.ts). Passed in so the rule
   * set is loaded only by what redacts (`startApp` imports it lazily; CLI commands never pay it).
   */
  scanner: SecretScanner;
}

/** The transform, plus the check `block_secrets` makes before the upstream. */
export interface Redactor {
  transform: RecordTransform;
  /** The rule of the first secret in `text` (rule set and our own secrets), or undefined. */
  firstSecret(text: string): string | undefined;
  /**
   * A JSON value (an ordinary log line's fields) with every secret in its strings, keys too, at
   * any depth, replaced by its marker: our own secrets always, the rule set while `redact_secrets`
   * is on. The same value back when nothing was found. Throws only on a fault of the rule set.
   */
  scrub<T>(value: T): T;
  /**
   * An identifier the client sent (the model, a session id) with our own secrets in it replaced
   * by their markers (never the rule set: SPEC §12 scans content, and an identifier is what
   * prices, usage rows, metrics labels and circuit keys group by). The same string when none.
   */
  ownSecretsOut(text: string): string;
}

/** The marker that stands where a secret was. */
export function marker(rule: string): string {
  return `[REDACTED:${rule}]`;
}

/** Prompts scanned at `begin` kept for `finish`: at most this many calls in flight are remembered. */
const MAX_REMEMBERED = 10_000;

/** Mentions an AWS secret-key variable: the one rule whose context may span JSON keys and values. */
const CONTEXT_HINT = /(?:SECRET|secret|Secret)_?(?:ACCESS|access|Access)_?(?:KEY|key|Key)/;

export function createRedactor(opts: RedactionOptions): Redactor {
  const scanner = opts.scanner;
  const candidates = opts.candidates ?? [];
  /** Record id → its prompt texts and their findings, from `begin`. */
  const remembered = new Map<string, { texts: string[]; found: SecretFinding[] }>();

  /** Findings of one text: the rule set (when on) and our secrets known by shape. */
  const scan = (text: string, rules: boolean): SecretFinding[] => {
    const found = rules && text.length >= MIN_SECRET_LENGTH ? scanner.scan(text) : [];
    for (const c of candidates) {
      if (c.hint !== undefined && !text.includes(c.hint)) continue;
      for (const m of text.matchAll(c.pattern)) if (c.accept(m[0])) found.push({ rule: c.rule, value: m[0] });
    }
    return found;
  };

  /** The replacer of our known secrets alone, per `known()` list (it changes with the settings). */
  let knownOnly: { list: readonly KnownSecret[]; replace: Replacer } | undefined;

  const redact = <R extends Interception>(rec: R, stage: 'begin' | 'finish'): R => {
    const rules = opts.enabled();
    const found: SecretFinding[] = [];
    const known = opts.known();
    for (const k of known) if (k.value.length >= MIN_SECRET_LENGTH) found.push(k);
    const knownCount = found.length;

    const prompts = rec.user_prompts.map((p) => p.prompt);
    const kept = remembered.get(rec.id);
    if (stage === 'finish') remembered.delete(rec.id);
    if (kept && sameTexts(kept.texts, prompts)) found.push(...kept.found);
    else {
      const promptFound = prompts.flatMap((p) => scan(p, rules));
      found.push(...promptFound);
      if (stage === 'begin') {
        if (remembered.size >= MAX_REMEMBERED) remembered.clear();
        remembered.set(rec.id, { texts: prompts, found: promptFound });
      }
    }
    for (const t of rec.model_thoughts) found.push(...scan(t.content, rules));
    if (rec.error) found.push(...scan(rec.error, rules));
    // Identifiers: our own secrets only (the known values are in `found` already).
    for (const id of identifiersOf(rec)) found.push(...scan(id, false));
    for (const u of rec.tool_usages) {
      for (const s of stringsOf(u.input)) found.push(...scan(s, rules));
      if (u.invocation_error) found.push(...scan(u.invocation_error, rules));
      if (rules && u.input !== null && typeof u.input === 'object') found.push(...scanJsonText(u.input, scanner));
    }
    if (found.length === 0) return rec;
    const replace = replacerFor(known, found, knownCount);
    // Most records hold none of the values: checked before rewrite copies anything (issue #20).
    return holdsAny(rec, replace) ? rewrite(rec, replace) : rec;
  };

  /**
   * The replacer of `found`, whose first `knownCount` entries are `known()`'s (long enough ones).
   * When that is all of them (every record and identifier holds our known secrets as candidates),
   * the one replacer built per `known()` list.
   */
  const replacerFor = (known: readonly KnownSecret[], found: readonly SecretFinding[], knownCount: number): Replacer => {
    if (found.length !== knownCount) return replacerOf(found);
    if (knownOnly?.list !== known) knownOnly = { list: known, replace: replacerOf(found) };
    return knownOnly.replace;
  };

  const guarded = <R extends Interception>(rec: R, stage: 'begin' | 'finish'): R => {
    try {
      return redact(rec, stage);
    } catch {
      remembered.delete(rec.id);
      return stripped(rec);
    }
  };

  return {
    transform: {
      name: 'secret redaction',
      begin: (rec: Interception) => guarded(rec, 'begin'),
      finish: (rec: FinishedRecord) => guarded(rec, 'finish'),
    },
    scrub<T>(value: T): T {
      const rules = opts.enabled();
      const found: SecretFinding[] = [];
      for (const k of opts.known()) if (k.value.length >= MIN_SECRET_LENGTH) found.push(k);
      const strings = stringsOf(value);
      for (const s of strings) found.push(...scan(s, rules));
      if (rules && value !== null && typeof value === 'object') found.push(...scanJsonText(value, scanner));
      if (found.length === 0) return value;
      const replace = replacerOf(found);
      if (!strings.some((s) => replace.hits(s))) return value;
      const counts = new Map<string, number>();
      return mapStrings(value, (s) => replace(s, counts)) as T;
    },
    ownSecretsOut(text) {
      // Per call (the circuit key of every model): usually no candidate, only our known secrets.
      const found: SecretFinding[] = scan(text, false);
      const fromText = found.length;
      const known = opts.known();
      for (const k of known) if (k.value.length >= MIN_SECRET_LENGTH) found.push(k);
      if (found.length === 0) return text;
      const replace = fromText === 0 ? replacerFor(known, found, found.length) : replacerOf(found);
      return replace.hits(text) ? replace(text, new Map()) : text;
    },
    firstSecret(text) {
      for (const k of opts.known()) if (k.value.length >= MIN_SECRET_LENGTH && text.includes(k.value)) return k.rule;
      return scan(text, true)[0]?.rule;
    },
  };
}

function sameTexts(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((t, i) => t === b[i]);
}

/**
 * Findings in a tool input's JSON text, for a rule whose context spans a key and its value
 * (`{"aws_secret_access_key": "…"}`); values are decoded back from JSON string escapes.
 */
function scanJsonText(input: object, scanner: SecretScanner): SecretFinding[] {
  let text: string;
  try {
    text = JSON.stringify(input);
  } catch {
    return []; // too deep to serialize: every string was still scanned on its own
  }
  if (!CONTEXT_HINT.test(text)) return [];
  return scanner.scan(text).map((f) => {
    if (!f.value.includes('\\')) return f;
    try {
      return { rule: f.rule, value: JSON.parse(`"${f.value}"`) as string };
    } catch {
      return f;
    }
  });
}

/** Replaces every occurrence of every found value; counts per rule. */
interface Replacer {
  (text: string, counts: Map<string, number>): string;
  /** Whether `text` holds any of the values. */
  hits(text: string): boolean;
}

function replacerOf(found: readonly SecretFinding[]): Replacer {
  // One rule per value (our own secrets come first and win), longest value first so a secret
  // that contains another is replaced whole.
  const byValue = new Map<string, string>();
  for (const f of found) if (f.value.length >= MIN_SECRET_LENGTH && !byValue.has(f.value)) byValue.set(f.value, f.rule);
  const values = [...byValue.keys()].sort((a, b) => b.length - a.length);
  const replace = (text: string, counts: Map<string, number>): string => {
    let out = text;
    for (const v of values) {
      if (!out.includes(v)) continue;
      const parts = out.split(v);
      const rule = byValue.get(v)!;
      counts.set(rule, (counts.get(rule) ?? 0) + parts.length - 1);
      out = parts.join(marker(rule));
    }
    return out;
  };
  return Object.assign(replace, { hits: (text: string) => values.some((v) => text.includes(v)) });
}

/** The record with every scanned field passed through `replace`, and the counts in metadata. */
function rewrite<R extends Interception>(rec: R, replace: Replacer): R {
  const total = new Map<string, number>();
  const row = <T extends { metadata: Metadata }>(r: T, change: (counts: Map<string, number>) => Partial<T>): T => {
    const counts = new Map<string, number>();
    const changed = change(counts);
    if (counts.size === 0) return r;
    for (const [rule, n] of counts) total.set(rule, (total.get(rule) ?? 0) + n);
    return { ...r, ...changed, metadata: withCounts(r.metadata, counts) };
  };
  const user_prompts = rec.user_prompts.map((p) => row(p, (c) => ({ prompt: replace(p.prompt, c) })));
  const model_thoughts = rec.model_thoughts.map((t) => row(t, (c) => ({ content: replace(t.content, c) })));
  const tool_usages = rec.tool_usages.map((u) =>
    row(u, (c) => ({
      // most tool inputs hold none of the values: copied only when one does
      input: stringsOf(u.input).some((s) => replace.hits(s)) ? mapStrings(u.input, (s) => replace(s, c)) : u.input,
      invocation_error: u.invocation_error === null ? null : replace(u.invocation_error, c),
    })),
  );
  const ownCounts = new Map<string, number>();
  const error = rec.error === null ? null : replace(rec.error, ownCounts);
  const model = replace(rec.model, ownCounts);
  const user_agent = rec.user_agent === null ? null : replace(rec.user_agent, ownCounts);
  const client_session_id = rec.client_session_id === null ? null : replace(rec.client_session_id, ownCounts);
  for (const [rule, n] of ownCounts) total.set(rule, (total.get(rule) ?? 0) + n);
  if (total.size === 0) return rec;
  return { ...rec, model, user_agent, client_session_id, error, user_prompts, model_thoughts, tool_usages, metadata: withCounts(rec.metadata, total) };
}

/**
 * Whether any field {@link rewrite} passes through `replace` holds one of its values: when none
 * does, rewrite would change nothing and return the record itself.
 */
function holdsAny(rec: Interception, replace: Replacer): boolean {
  for (const p of rec.user_prompts) if (replace.hits(p.prompt)) return true;
  for (const t of rec.model_thoughts) if (replace.hits(t.content)) return true;
  for (const u of rec.tool_usages) {
    if (u.invocation_error !== null && replace.hits(u.invocation_error)) return true;
    if (stringsOf(u.input).some((x) => replace.hits(x))) return true;
  }
  if (rec.error !== null && replace.hits(rec.error)) return true;
  return identifiersOf(rec).some((x) => replace.hits(x));
}

/** The identifiers of a record a client chose: searched for our own secrets only. */
function identifiersOf(rec: Interception): string[] {
  const ids = [rec.model];
  if (rec.user_agent !== null) ids.push(rec.user_agent);
  if (rec.client_session_id !== null) ids.push(rec.client_session_id);
  return ids;
}

function withCounts(metadata: Metadata, counts: Map<string, number>): Metadata {
  const redactions: RedactionCount[] = [...counts].map(([rule, count]) => ({ rule, count })).sort((a, b) => a.rule.localeCompare(b.rule));
  return { ...metadata, redactions };
}

/** When redaction itself fails, no content passes: every scanned field becomes one marker. */
function stripped<R extends Interception>(rec: R): R {
  const gone = marker('redaction-failed');
  const one = (): Metadata => ({ redactions: [{ rule: 'redaction-failed', count: 1 }] });
  const n = rec.user_prompts.length + rec.model_thoughts.length + rec.tool_usages.length + (rec.error === null ? 0 : 1);
  return {
    ...rec,
    error: rec.error === null ? null : gone,
    user_prompts: rec.user_prompts.map((p) => ({ ...p, prompt: gone, metadata: { ...p.metadata, ...one() } })),
    model_thoughts: rec.model_thoughts.map((t) => ({ ...t, content: gone, metadata: { ...t.metadata, ...one() } })),
    tool_usages: rec.tool_usages.map((u) => ({
      ...u,
      input: gone,
      invocation_error: u.invocation_error === null ? null : gone,
      metadata: { ...u.metadata, ...one() },
    })),
    metadata: { ...rec.metadata, redactions: [{ rule: 'redaction-failed', count: n }] },
  };
}

/** Every string in a JSON value, object keys included, at any depth (no recursion). */
function stringsOf(root: unknown): string[] {
  const out: string[] = [];
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v === 'string') out.push(v);
    else if (Array.isArray(v)) for (const x of v) stack.push(x);
    else if (v !== null && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        out.push(k);
        stack.push(x);
      }
    }
  }
  return out;
}

/** A copy of a JSON value with every string (keys too) passed through `f`, at any depth. */
function mapStrings(root: unknown, f: (s: string) => string): unknown {
  const copy = (v: unknown, stack: [object, object][]): unknown => {
    if (typeof v === 'string') return f(v);
    if (v === null || typeof v !== 'object') return v;
    const c: object = Array.isArray(v) ? [] : {};
    stack.push([v, c]);
    return c;
  };
  const stack: [object, object][] = [];
  const out = copy(root, stack);
  while (stack.length > 0) {
    const [src, dst] = stack.pop()!;
    if (Array.isArray(src)) {
      const d = dst as unknown[];
      for (let i = 0; i < src.length; i++) d[i] = copy(src[i], stack);
    } else {
      for (const [k, x] of Object.entries(src)) {
        // defineProperty: a `__proto__` key stays a plain key, as JSON.parse made it
        Object.defineProperty(dst, f(k), { value: copy(x, stack), enumerable: true, writable: true, configurable: true });
      }
    }
  }
  return out;
}

/**
 * The tamper-evident chain of log lines (SPEC §13), used by the `--log-json` writer
 * (src/gateway/log.ts) and by export (src/store/export.ts).
 *
 * Every line carries `"chain": {"seq": N, "prev": "HEX", "hash": "HEX"}`:
 * - `hash` = hex SHA-256 of the UTF-8 text `prev` + the line's RFC 8785 (JCS) canonical JSON
 *   without `chain` (canonical form by the `canonicalize` package, the JCS author's own
 *   implementation);
 * - `prev` = the `hash` of the line before (64 zeros for the very first line of a chain);
 * - `seq` counts up by one from 1.
 *
 * The written line is the line's ordinary JSON (fields in their usual order, so people and
 * grep read it as before) with `chain` appended as its last member; the canonical form exists
 * only to be hashed, so anyone can recompute the hash with any JCS library:
 * parse the line, drop `chain`, canonicalize, SHA-256 over `prev` + that text.
 *
 * Checkpoints sign the chain head: a line `{"msg":"chain checkpoint","record_type":
 * "chain_checkpoint","seq","hash","key_id","signature"}` whose `signature` is base64 Ed25519 over
 * `aibridge-chain-v1:{seq}:{hash}` of the line before it, `key_id` the first 16 hex characters
 * of SHA-256 of the public key's DER (SPKI). The checkpoint line is chained like any other.
 */
import { createHash, createPublicKey, hash as digestOnce, sign, type KeyObject } from 'node:crypto';
import canonicalize from 'canonicalize';

/** `prev` of the first line of a chain. */
export const CHAIN_GENESIS = '0'.repeat(64);

/** The `msg` and `record_type` of a checkpoint line. */
export const CHECKPOINT_MSG = 'chain checkpoint';
export const CHECKPOINT_TYPE = 'chain_checkpoint';

/** A checkpoint is written at least every this many lines (SPEC §13). */
export const CHECKPOINT_EVERY_LINES = 1000;

/** Where a chain stands: the last line's `seq` and `hash` (`{0, GENESIS}` before the first). */
export interface ChainHead {
  seq: number;
  hash: string;
}

/** A checkpoint line before it is chained. */
export interface CheckpointLine {
  /** ECS exports only: the same instant as `time`, so every document of an ECS file has one. */
  '@timestamp'?: string;
  level: 'info';
  time: string;
  msg: typeof CHECKPOINT_MSG;
  record_type: typeof CHECKPOINT_TYPE;
  seq: number;
  hash: string;
  key_id: string;
  signature: string;
}

/** Signs checkpoints: the private half stays inside. */
export interface ChainSigner {
  /** First 16 hex characters of SHA-256 of the public key's SPKI DER. */
  readonly keyId: string;
  /** base64 Ed25519 signature over the UTF-8 text. */
  sign(text: string): string;
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** A copy of `value` whose strings are well-formed UTF-16 (lone surrogates become U+FFFD). */
function wellFormed(value: unknown): unknown {
  if (typeof value === 'string') return value.replace(LONE_SURROGATE, '\ufffd');
  if (Array.isArray(value)) return value.map(wellFormed);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[wellFormed(k) as string] = wellFormed(v);
    return out;
  }
  return value;
}

/**
 * RFC 8785 canonical JSON of a line. JCS has no form for lone surrogates (JSON.parse makes them
 * from `"\ud800"` escapes) nor for NaN / Infinity (JSON.stringify writes them as null), so such a
 * line is first normalised to what its JSON text says, with lone surrogates as U+FFFD: `line` is
 * then what must be written, so the written text and the hashed text hold the same value.
 */
export function canonicalLine(obj: object): { canonical: string; line: object } {
  const fast = fastCanonical(obj);
  if (fast !== undefined) return { canonical: fast, line: obj };
  try {
    return { canonical: canonicalize(obj) ?? '{}', line: obj };
  } catch {
    const line = wellFormed(JSON.parse(JSON.stringify(obj))) as object;
    return { canonical: canonicalize(line) ?? '{}', line };
  }
}

/** Thrown inside {@link jcs} (and {@link canonicalValue}) when a value needs the general path. */
export const BAIL = Symbol('bail');
/** Deeper than this, the general path decides (it copes, or fails, as it always did). */
const FAST_MAX_DEPTH = 256;
/** A lone surrogate as JSON.stringify escapes it (`\ud800`); literal `\\ud800` text also matches, harmlessly. */
const ESCAPED_SURROGATE = /\\ud[89a-f]/;

/**
 * The RFC 8785 form of a JSON-shaped value, the fast way (issue #20: `canonicalize` was the top
 * item of a recorded call's profile, ~16 µs a line): keys sorted by UTF-16 code units, strings and
 * numbers as JSON.stringify writes them — exactly what `canonicalize` produces for such values.
 * Anything else (a lone surrogate, NaN or Infinity, `toJSON`, a function, a hole, very deep nesting)
 * returns undefined and takes the general path below, so the result never differs from it
 * (test/unit/record/chain.test.ts compares the two).
 */
function fastCanonical(obj: object): string | undefined {
  let text: string;
  try {
    text = jcs(obj, 0);
  } catch (err) {
    if (err === BAIL) return undefined;
    throw err;
  }
  return ESCAPED_SURROGATE.test(text) ? undefined : text;
}

/** Characters a JSON string must escape, and surrogates (checked on the whole text afterwards). */
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;
/** Quoted keys: lines use a few dozen distinct keys, so each is quoted once, not once a line. */
const quotedKeys = new Map<string, string>();

function quote(s: string): string {
  return NEEDS_ESCAPE.test(s) ? JSON.stringify(s) : `"${s}"`;
}

function quoteKey(k: string): string {
  let q = quotedKeys.get(k);
  if (q === undefined) {
    q = JSON.stringify(k);
    if (quotedKeys.size < 1000) quotedKeys.set(k, q);
  }
  return q;
}

function jcs(v: unknown, depth: number): string {
  switch (typeof v) {
    case 'string':
      return quote(v);
    case 'number':
      if (!Number.isFinite(v)) throw BAIL;
      return JSON.stringify(v);
    case 'boolean':
      return v ? 'true' : 'false';
    case 'object': {
      if (v === null) return 'null';
      if (depth > FAST_MAX_DEPTH || typeof (v as { toJSON?: unknown }).toJSON === 'function') throw BAIL;
      if (Array.isArray(v)) {
        let out = '[';
        for (let i = 0; i < v.length; i++) {
          const x: unknown = v[i];
          if (x === undefined && !(i in v)) throw BAIL;
          if (i > 0) out += ',';
          out += x === undefined || typeof x === 'symbol' ? 'null' : jcs(x, depth + 1);
        }
        return out + ']';
      }
      const keys = Object.keys(v);
      if (keys.length > 1) keys.sort();
      let out = '{';
      let first = true;
      for (const k of keys) {
        const x = (v as Record<string, unknown>)[k];
        if (x === undefined || typeof x === 'symbol') continue;
        out += first ? `${quoteKey(k)}:${jcs(x, depth + 1)}` : `,${quoteKey(k)}:${jcs(x, depth + 1)}`;
        first = false;
      }
      return out + '}';
    }
    default:
      // undefined at the top, functions, bigints: the general path's behaviour, whatever it is
      throw BAIL;
  }
}

/**
 * A member value's RFC 8785 text, for the one-pass paths ({@link writtenAndCanonical} and
 * src/record/log-texts.ts). Throws {@link BAIL} for anything the general path must decide: a lone
 * surrogate, NaN or Infinity, undefined (a dropped key), `toJSON`, functions, symbols, bigints.
 */
export function canonicalValue(v: unknown): string {
  const text = jcs(v, 1);
  // Escaped text (for a string: longer than it and its quotes) may hold a lone surrogate.
  if ((typeof v !== 'string' || text.length !== v.length + 2) && ESCAPED_SURROGATE.test(text)) throw BAIL;
  return text;
}

/**
 * The same value as JSON.stringify writes it, given its {@link canonicalValue}: the two differ only
 * for a non-empty object or array (key order), which is then serialized once more.
 */
export function writtenValue(v: unknown, canon: string): string {
  return typeof v === 'object' && v !== null && canon !== '{}' && canon !== '[]' ? JSON.stringify(v) : canon;
}

/**
 * A line's key list and the order of its keys sorted by UTF-16 code units (RFC 8785), kept per
 * `record_type`: the interception lines of src/record/log-lines.ts have a fixed key list each.
 */
interface Shape {
  keys: string[];
  /** Indexes into `keys`, in canonical order. */
  order: number[];
  /** Each key quoted as JSON.stringify writes it. */
  quoted: string[];
}
const shapes = new Map<string, Shape>();
const MAX_SHAPES = 64;

function shapeOf(type: string, keys: string[]): Shape | undefined {
  const known = shapes.get(type);
  if (known && sameKeys(known.keys, keys)) return known;
  const quoted = keys.map((k) => JSON.stringify(k));
  // A key with a lone surrogate: the general path decides (as in fastCanonical).
  if (quoted.some((q) => ESCAPED_SURROGATE.test(q))) return undefined;
  const order = keys.map((_, i) => i).sort((a, b) => (keys[a]! < keys[b]! ? -1 : keys[a]! > keys[b]! ? 1 : 0));
  const shape = { keys, order, quoted };
  if (known || shapes.size < MAX_SHAPES) shapes.set(type, shape);
  return shape;
}

function sameKeys(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * A line's written JSON (`JSON.stringify(obj)`) and its canonical form in one pass (issue #20):
 * each member's value is serialized once and placed in both texts — in the object's own key
 * order for the written one, in code-unit order for the canonical one — instead of a generic
 * canonical walk (key sort per line, a surrogate check over the whole text) plus a second
 * serialization. Only for lines with a string `record_type` (the interception lines, whose key
 * lists are fixed) whose values are JSON-shaped; anything else returns undefined and takes
 * {@link canonicalLine} as before, so both texts are always what that path writes and hashes
 * (test/unit/record/chain.test.ts compares the two).
 */
function writtenAndCanonical(obj: object): { open: string; canonical: string } | undefined {
  const type = (obj as { record_type?: unknown }).record_type;
  if (typeof type !== 'string' || typeof (obj as { toJSON?: unknown }).toJSON === 'function' || Array.isArray(obj)) return undefined;
  const shape = shapeOf(type, Object.keys(obj));
  if (shape === undefined) return undefined;
  const { keys, order, quoted } = shape;
  const values: (string | undefined)[] = new Array<string | undefined>(keys.length);
  let written = '{';
  for (let i = 0; i < keys.length; i++) {
    const v = (obj as Record<string, unknown>)[keys[i]!];
    if (v === undefined) continue; // dropped by both
    let canon: string;
    try {
      canon = canonicalValue(v);
    } catch (err) {
      if (err === BAIL) return undefined;
      throw err;
    }
    values[i] = canon;
    const text = writtenValue(v, canon);
    written += written.length === 1 ? `${quoted[i]!}:${text}` : `,${quoted[i]!}:${text}`;
  }
  let canonical = '{';
  for (let j = 0; j < order.length; j++) {
    const i = order[j]!;
    const canon = values[i];
    if (canon === undefined) continue;
    canonical += canonical.length === 1 ? `${quoted[i]!}:${canon}` : `,${quoted[i]!}:${canon}`;
  }
  return { open: written, canonical: canonical + '}' };
}

/**
 * hex SHA-256 of the UTF-8 text `prev` + `canonical`. One-shot (`crypto.hash`, Node ≥ 20.12):
 * a Hash object with two updates and a digest cost ~3× as much per line (issue #20).
 */
export function linkHash(prev: string, canonical: string): string {
  return digestOnce('sha256', prev + canonical, 'hex');
}

/** The text a checkpoint signs. */
export function checkpointText(seq: number, hash: string): string {
  return `aibridge-chain-v1:${seq}:${hash}`;
}

/** `key_id` of a public key: first 16 hex characters of SHA-256 of its SPKI DER. */
export function keyIdOf(publicKey: KeyObject): string {
  return createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('hex').slice(0, 16);
}

/** A {@link ChainSigner} over an Ed25519 private key. */
export function ed25519Signer(privateKey: KeyObject): ChainSigner {
  const keyId = keyIdOf(createPublicKey(privateKey));
  return { keyId, sign: (text) => sign(null, Buffer.from(text, 'utf8'), privateKey).toString('base64') };
}

/**
 * A running chain with its checkpoint policy. Lines go in as objects (or as JSON text from
 * elsewhere, pino's) and come out as text with `chain`, each ending in `\n`. When a signer is
 * given, a checkpoint follows at least every {@link CHECKPOINT_EVERY_LINES} lines; the owner
 * asks for one on its timer and at the end ({@link ChainedLines.checkpoint}).
 */
export class ChainedLines {
  private seq: number;
  private hash: string;
  /** Lines since the last checkpoint (a checkpoint line itself is not counted). */
  private unsigned = 0;

  constructor(
    head: ChainHead = { seq: 0, hash: CHAIN_GENESIS },
    private readonly signer?: ChainSigner,
    private readonly now: () => number = Date.now,
    private readonly every = CHECKPOINT_EVERY_LINES,
    /** Checkpoints also carry `@timestamp` (an ECS export's lines all have one). */
    private readonly ecs = false,
  ) {
    this.seq = head.seq;
    this.hash = head.hash;
  }

  /** The last line's seq and hash. */
  get head(): ChainHead {
    return { seq: this.seq, hash: this.hash };
  }

  /** Lines not yet covered by a checkpoint. */
  get pending(): number {
    return this.unsigned;
  }

  /**
   * One line object, chained; `json` is its ordinary JSON text when the caller has it already.
   * The object must not hold a `chain` key of its own (see {@link ChainedLines.text}).
   */
  line(obj: object, json?: string): string {
    const both = json === undefined ? writtenAndCanonical(obj) : undefined;
    if (both !== undefined) return this.openTexts(both.open, both.canonical);
    const { canonical, line } = canonicalLine(obj);
    return this.texts(line === obj && json !== undefined ? json : JSON.stringify(line), canonical);
  }

  /**
   * A line given as its written JSON and its RFC 8785 canonical form (which must be the same
   * value: src/record/log-texts.ts builds both from a record), chained.
   */
  texts(written: string, canonical: string): string {
    return this.openTexts(written === '{}' ? '{' : written.slice(0, -1), canonical);
  }

  /**
   * {@link ChainedLines.texts} with the written JSON still open: without its closing `}` (`{` for
   * an empty object), so `chain` is appended without copying the text to cut the brace off.
   */
  openTexts(open: string, canonical: string): string {
    const text = this.link(open, canonical);
    this.unsigned++;
    return this.unsigned >= this.every && this.signer ? text + this.checkpoint() : text;
  }

  /** A line that is JSON text already (pino's), chained; anything else is wrapped in `{"msg":…}`. */
  text(json: string): string {
    const trimmed = json.endsWith('\n') ? json.slice(0, -1) : json;
    let obj: unknown;
    try {
      obj = JSON.parse(trimmed);
    } catch {
      obj = undefined;
    }
    if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) return this.line({ msg: trimmed });
    if (Object.hasOwn(obj, 'chain')) {
      // A field of our own name would make the line ambiguous: keep it under another.
      const { chain, ...rest } = obj as Record<string, unknown>;
      return this.line({ ...rest, chain_field: chain });
    }
    return this.line(obj, trimmed);
  }

  /** A signed checkpoint line over the current head, or '' without a signer or before any line. */
  checkpoint(): string {
    if (!this.signer || this.seq === 0 || this.unsigned === 0) return '';
    const time = new Date(this.now()).toISOString();
    const cp: CheckpointLine = {
      ...(this.ecs ? { '@timestamp': time } : {}),
      level: 'info',
      time,
      msg: CHECKPOINT_MSG,
      record_type: CHECKPOINT_TYPE,
      seq: this.seq,
      hash: this.hash,
      key_id: this.signer.keyId,
      signature: this.signer.sign(checkpointText(this.seq, this.hash)),
    };
    this.unsigned = 0;
    const { canonical } = canonicalLine(cp);
    return this.link(JSON.stringify(cp).slice(0, -1), canonical);
  }

  /** `open`: the written JSON without its closing brace (see {@link ChainedLines.openTexts}). */
  private link(open: string, canonical: string): string {
    const prev = this.hash;
    const hash = linkHash(prev, canonical);
    this.seq++;
    this.hash = hash;
    const member = `"chain":{"seq":${this.seq},"prev":"${prev}","hash":"${hash}"}}\n`;
    return open.length === 1 ? `{${member}` : `${open},${member}`;
  }
}

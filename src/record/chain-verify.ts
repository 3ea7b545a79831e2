/**
 * Checks a chain of log lines (SPEC §13): fed line by line, in file order, across the files of
 * one chain (a log with its rotated siblings, or one export), it finds each break and says what
 * kind it is and at which file and line:
 *
 * - `edited`: a line whose content no longer matches its own `hash`; or whose `hash` was
 *   rewritten to match, which the next line's `prev` gives away; or a line that is not JSON, or
 *   carries no chain;
 * - `missing`: seq numbers absent from the files (lines deleted);
 * - `reordered`: lines out of seq order whose seq numbers are all there (lines moved or swapped);
 * - `bad signature`: a checkpoint whose signature does not hold for the given key, that was
 *   signed by another key, or whose signed seq/hash are not those of the line before it;
 * - `unsigned tail`: lines after the last good checkpoint (a crash or a live file leaves one;
 *   the links still hold, but nothing signs them yet).
 *
 * Memory stays bounded: the hashes of the last {@link WINDOW} seq numbers are kept to resolve
 * lines that arrive out of order; lines moved farther than that count as missing and reordered.
 */
import { verify as verifySignature, type KeyObject } from 'node:crypto';
import { canonicalLine, CHAIN_GENESIS, CHECKPOINT_TYPE, checkpointText, keyIdOf, linkHash } from './chain.js';

/** A kind of break. */
export type BreakKind = 'edited' | 'missing' | 'reordered' | 'bad signature' | 'unsigned tail';

/** Where a line is: file and 1-based line number. */
export interface LinePos {
  file: string;
  line: number;
}

/** One break in the chain. */
export interface ChainBreak extends LinePos {
  kind: BreakKind;
  message: string;
}

/** What a walk found. */
export interface ChainReport {
  ok: boolean;
  /** Breaks in file order (the unsigned tail last). */
  breaks: ChainBreak[];
  lines: number;
  /** seq of the first and last line read (0 when none had a chain). */
  firstSeq: number;
  lastSeq: number;
  /** Checkpoints whose signature held. */
  checkpoints: number;
  /** seq up to which a good checkpoint signs the chain (0: none). */
  signedThrough: number;
  /** What the walk cannot prove (always said, also when ok). */
  cannotProve: string[];
}

/** Hashes of this many recent seq numbers are kept to match lines that arrive out of order. */
const WINDOW = 100_000;

/** A position with its ordinal across all files of the walk (to sort breaks in file order). */
interface Pos extends LinePos {
  n: number;
}

interface Seen {
  hash: string;
  pos: Pos;
}

interface ParsedChain {
  seq: number;
  prev: string;
  hash: string;
}

const HEX64 = /^[0-9a-f]{64}$/;

function parseChain(v: unknown): ParsedChain | undefined {
  if (v === null || typeof v !== 'object') return undefined;
  const c = v as Record<string, unknown>;
  if (typeof c['seq'] !== 'number' || !Number.isSafeInteger(c['seq']) || c['seq'] < 1) return undefined;
  if (typeof c['prev'] !== 'string' || !HEX64.test(c['prev'])) return undefined;
  if (typeof c['hash'] !== 'string' || !HEX64.test(c['hash'])) return undefined;
  return { seq: c['seq'], prev: c['prev'], hash: c['hash'] };
}

const where = (p: LinePos): string => `${p.file}:${p.line}`;

/** Verifies one chain, line by line. */
export class ChainVerifier {
  private readonly breaks: Array<ChainBreak & { n: number }> = [];
  private readonly seen = new Map<number, Seen>();
  /** Lines whose predecessor has not been read yet: seq → the line's prev and position. */
  private readonly waiting = new Map<number, { prev: string; pos: Pos }>();
  /**
   * Lines whose seq is not the one before + 1, to be called missing or reordered at the end:
   * `missing` is the seq range skipped when the line jumps ahead.
   */
  private readonly gaps: Array<{ seq: number; pos: Pos; after: Pos; afterSeq: number; missing?: { from: number; to: number } }> = [];
  private readonly keyId: string;
  private lines = 0;
  private firstSeq = 0;
  private lastSeq = 0;
  private maxSeq = 0;
  private last: { seq: number; hash: string; pos: Pos } | undefined;
  private checkpoints = 0;
  private signedThrough = 0;
  private firstUnsigned: Pos | undefined;

  constructor(private readonly publicKey: KeyObject) {
    this.keyId = keyIdOf(publicKey);
  }

  /** Feeds one line (its text without `\n`). */
  add(text: string, at: LinePos): void {
    this.lines++;
    const pos: Pos = { file: at.file, line: at.line, n: this.lines };
    let obj: unknown;
    try {
      obj = JSON.parse(text);
    } catch {
      obj = undefined;
    }
    if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) {
      this.break('edited', pos, 'edited line: not a JSON object (changed, or a write cut off)');
      this.last = undefined;
      return;
    }
    const { chain: rawChain, ...rest } = obj as Record<string, unknown>;
    const chain = parseChain(rawChain);
    if (!chain) {
      this.break('edited', pos, rawChain === undefined ? 'edited line: it carries no chain (added by hand, or written before the chain began)' : 'edited line: its chain field is malformed');
      this.last = undefined;
      return;
    }
    if (this.firstSeq === 0) this.firstSeq = chain.seq;
    this.lastSeq = chain.seq;

    // 1. The line's own content against its hash.
    const isCheckpoint = rest['record_type'] === CHECKPOINT_TYPE;
    const actual = linkHash(chain.prev, canonicalLine(rest).canonical);
    if (actual !== chain.hash) this.break('edited', pos, `edited ${isCheckpoint ? 'checkpoint' : 'line'} (seq ${chain.seq}): its content does not match its chain hash`);

    // 2. Order in the files: each line's seq is the one before + 1.
    const before = this.last;
    if (before && chain.seq !== before.seq + 1) {
      const missing = chain.seq > before.seq + 1 ? { from: before.seq + 1, to: chain.seq - 1 } : undefined;
      this.gaps.push({ seq: chain.seq, pos, after: before.pos, afterSeq: before.seq, missing });
    } else if (!before && this.lines === 1) {
      if (chain.seq === 1 && chain.prev !== CHAIN_GENESIS) this.break('edited', pos, 'edited line: the first line of a chain (seq 1) must link to 64 zeros');
    }

    // 3. The link: prev = the hash of seq - 1, wherever that line is.
    const dup = this.seen.get(chain.seq);
    if (dup) this.break('reordered', pos, `reordered lines: seq ${chain.seq} appears twice (also at ${where(dup.pos)})`);
    const pred = this.seen.get(chain.seq - 1);
    if (pred) this.checkLink(pred, chain.prev, pos);
    else if (chain.seq > 1) this.waiting.set(chain.seq, { prev: chain.prev, pos });
    const next = this.waiting.get(chain.seq + 1);
    if (next) {
      this.waiting.delete(chain.seq + 1);
      this.checkLink({ hash: chain.hash, pos }, next.prev, next.pos);
    }
    this.seen.set(chain.seq, { hash: chain.hash, pos });
    this.maxSeq = Math.max(this.maxSeq, chain.seq);
    if (this.seen.size > 2 * WINDOW) this.prune();

    // 4. A checkpoint signs the line before it.
    if (isCheckpoint) this.checkpoint(rest, chain, before, pos);
    else if (this.signedThrough < chain.seq && !this.firstUnsigned) this.firstUnsigned = pos;

    this.last = { seq: chain.seq, hash: chain.hash, pos };
  }

  /** Ends the walk: resolves gaps, names the unsigned tail, says what cannot be proven. */
  finish(): ChainReport {
    for (const g of this.gaps) {
      const m = g.missing;
      let absent = m !== undefined;
      if (m) for (let s = m.from; s <= m.to && absent; s++) if (this.seen.has(s)) absent = false;
      if (m && absent) {
        const span = m.from === m.to ? `seq ${m.from} is` : `seq ${m.from}–${m.to} (${m.to - m.from + 1} lines) are`;
        this.break('missing', g.pos, `missing line: ${span} absent between ${where(g.after)} and this line`);
      } else {
        this.break('reordered', g.pos, `reordered lines: seq ${g.seq} follows seq ${g.afterSeq} (${where(g.after)})`);
      }
    }
    if (this.lines > 0 && this.firstUnsigned && this.lastSeq > this.signedThrough) {
      const msg = this.checkpoints === 0
        ? `unsigned tail: no valid signed checkpoint in these files, so nothing from here on (up to seq ${this.maxSeq}) is signed`
        : `unsigned tail: lines from here on (up to seq ${this.maxSeq}) are not covered by a signed checkpoint; the chain is signed through seq ${this.signedThrough}`;
      this.break('unsigned tail', this.firstUnsigned, msg);
    }
    const cannotProve = [
      'lines removed from the end after the last checkpoint a collector already holds: compare with the seq and hash your collector last saw',
    ];
    if (this.firstSeq > 1) cannotProve.push(`lines before seq ${this.firstSeq}: they are not in these files (rotated away or deleted)`);
    const breaks = mergeReorders([...this.breaks].sort((a, b) => tail(a) - tail(b) || a.n - b.n || rank(a) - rank(b)));
    return {
      ok: breaks.length === 0 && this.lines > 0,
      breaks,
      lines: this.lines,
      firstSeq: this.firstSeq,
      lastSeq: this.lastSeq,
      checkpoints: this.checkpoints,
      signedThrough: this.signedThrough,
      cannotProve,
    };
  }

  private checkLink(pred: Seen, prev: string, pos: Pos): void {
    if (pred.hash === prev) return;
    this.break('edited', pred.pos, `edited line: its chain hash was rewritten (the next line, ${where(pos)}, links to another hash)`);
  }

  private checkpoint(cp: Record<string, unknown>, chain: ParsedChain, before: { seq: number; hash: string } | undefined, pos: Pos): void {
    const seq = cp['seq'];
    const hash = cp['hash'];
    const keyId = cp['key_id'];
    const signature = cp['signature'];
    if (typeof seq !== 'number' || typeof hash !== 'string' || typeof signature !== 'string') {
      this.break('bad signature', pos, 'bad signature: the checkpoint lacks seq, hash or signature');
      return;
    }
    if (seq !== chain.seq - 1 || hash !== chain.prev || (before && (before.seq !== seq || before.hash !== hash))) {
      this.break('bad signature', pos, `bad signature: the checkpoint signs seq ${seq}, not the line before it (seq ${chain.seq - 1})`);
      return;
    }
    if (keyId !== this.keyId) {
      this.break('bad signature', pos, `bad signature: signed by another key (key_id ${String(keyId)}; the given key is ${this.keyId})`);
      return;
    }
    let good = false;
    try {
      good = verifySignature(null, Buffer.from(checkpointText(seq, hash), 'utf8'), this.publicKey, Buffer.from(signature, 'base64'));
    } catch {
      good = false;
    }
    if (!good) {
      this.break('bad signature', pos, `bad signature: the checkpoint's signature over seq ${seq} does not hold for key ${this.keyId} (a line since the last good checkpoint, seq ${this.signedThrough}, or this checkpoint was changed)`);
      return;
    }
    this.checkpoints++;
    this.signedThrough = chain.seq;
    this.firstUnsigned = undefined;
  }

  private prune(): void {
    const keepFrom = this.maxSeq - WINDOW;
    for (const seq of this.seen.keys()) if (seq < keepFrom) this.seen.delete(seq);
    for (const seq of this.waiting.keys()) if (seq < keepFrom) this.waiting.delete(seq);
  }

  private break(kind: BreakKind, pos: Pos, message: string): void {
    this.breaks.push({ kind, file: pos.file, line: pos.line, n: pos.n, message });
  }
}

/** The unsigned tail is reported after every other break. */
function tail(b: ChainBreak): number {
  return b.kind === 'unsigned tail' ? 1 : 0;
}

/** At one line, the more telling kind first. */
function rank(b: ChainBreak): number {
  return ['edited', 'missing', 'reordered', 'bad signature', 'unsigned tail'].indexOf(b.kind);
}

/** Runs of `reordered` on consecutive lines (one swap makes two or three) become one break. */
function mergeReorders(sorted: Array<ChainBreak & { n: number }>): ChainBreak[] {
  const out: ChainBreak[] = [];
  let run: { b: ChainBreak; lastN: number; lastLine: number } | undefined;
  for (const b of sorted) {
    if (b.kind === 'reordered' && run && b.n <= run.lastN + 1 && b.file === run.b.file) {
      run.lastN = b.n;
      run.lastLine = b.line;
      continue;
    }
    if (run && run.lastLine !== run.b.line) run.b.message += ` (lines ${run.b.line}–${run.lastLine} out of order)`;
    run = undefined;
    const { n, ...plain } = b;
    out.push(plain);
    if (b.kind === 'reordered') run = { b: plain, lastN: n, lastLine: b.line };
  }
  if (run && run.lastLine !== run.b.line) run.b.message += ` (lines ${run.b.line}–${run.lastLine} out of order)`;
  return out;
}

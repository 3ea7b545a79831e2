/**
 * The full-text index of SPEC §15 (docs/search.md): an in-memory inverted index from each word
 * (src/record/search-text.ts) to the documents that hold it. A document is one version of one
 * record; its number lives on the index entry (`Entry.doc`), so a query maps postings back to
 * entries through the entries themselves, and a posting of a superseded, stripped or purged
 * version is simply never looked at (and dropped by {@link SearchIndex.compact}).
 *
 * Compact by design (300,000 records of prose and code): a word found in one document costs a
 * Map entry holding its number; longer lists are delta-encoded varints in a growable byte array
 * (1 byte per posting for common words). General-purpose engines were measured first: MiniSearch
 * 7.2.0 took ~53 MB and FlexSearch 0.8.212 ~19 MB of heap per 5,000 records (3.2 GB / 1.1 GB at
 * 300,000) and rank fuzzily, where SPEC §15 asks for an exact AND with an exact count.
 */

/** Words longer than this are indexed by their first MAX_WORD characters (a query then re-checks records). */
export const MAX_WORD = 64;

/** Postings of a word seen in more than one document: ascending doc numbers as delta varints. */
interface Postings {
  buf: Uint8Array;
  /** Bytes used. */
  len: number;
  /** Last doc number appended. */
  last: number;
  /** Number of docs. */
  n: number;
}

const yieldLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export class SearchIndex {
  private dict = new Map<string, number | Postings>();
  private nextDoc = 0;

  /** Doc numbers handed out since the last compaction (live and dead). */
  get docs(): number {
    return this.nextDoc;
  }

  /** Distinct words held (tests: proof that purged or stripped content is gone). */
  has(word: string): boolean {
    return this.dict.has(indexKey(word));
  }

  get words(): number {
    return this.dict.size;
  }

  /** Indexes one document (the distinct words of a record version); returns its number. */
  add(words: Iterable<string>): number {
    const doc = this.nextDoc++;
    for (const w of words) {
      const key = indexKey(w);
      const cur = this.dict.get(key);
      if (cur === undefined) this.dict.set(ownString(key), doc);
      else if (typeof cur === 'number') {
        if (cur === doc) continue; // two long words sharing their first MAX_WORD characters
        const p: Postings = { buf: new Uint8Array(8), len: 0, last: 0, n: 0 };
        append(p, cur);
        append(p, doc);
        this.dict.set(key, p);
      } else if (cur.last !== doc) append(cur, doc);
    }
    return doc;
  }

  /**
   * Marks the documents holding every one of `words` (at most 255): `marks[doc] === words.length`.
   * Null when some word is in no document at all. A caller must check `doc < marks.length`: a
   * document added after the call is not covered.
   */
  match(words: readonly string[]): Uint8Array | null {
    if (words.length > 255) throw new Error('at most 255 words');
    const lists = [];
    for (const w of words) {
      const v = this.dict.get(indexKey(w));
      if (v === undefined) return null;
      lists.push(v);
    }
    // Rarest first: later lists only bump documents every earlier list marked.
    lists.sort((a, b) => sizeOf(a) - sizeOf(b));
    const marks = new Uint8Array(this.nextDoc);
    lists.forEach((v, k) => forEachDoc(v, (doc) => {
      if (marks[doc] === k) marks[doc] = k + 1;
    }));
    return marks;
  }

  /**
   * Drops every document not in `live` (superseded, stripped, purged) and every word left with
   * none, renumbering the rest densely, a slice of words at a time (the loop keeps serving).
   * Returns the new number of each old live doc (-1 for dropped ones); the caller updates its
   * entries in the same turn as the swap, which this does on return. No `add` may run meanwhile.
   */
  async compact(live: Uint8Array, stop: () => boolean = () => false): Promise<Int32Array | null> {
    const remap = new Int32Array(this.nextDoc).fill(-1);
    let n = 0;
    for (let d = 0; d < this.nextDoc; d++) if (live[d] === 1) remap[d] = n++;
    const next = new Map<string, number | Postings>();
    let work = 0;
    for (const [w, v] of this.dict) {
      if (typeof v === 'number') {
        if (remap[v]! >= 0) next.set(w, remap[v]!);
        continue;
      }
      let p: Postings | number | null = null;
      forEachDoc(v, (doc) => {
        const to = remap[doc]!;
        if (to < 0) return;
        if (p === null) p = to;
        else if (typeof p === 'number') {
          const q: Postings = { buf: new Uint8Array(Math.min(v.len, 64)), len: 0, last: 0, n: 0 };
          append(q, p);
          append(q, to);
          p = q;
        } else append(p, to);
      });
      if (p !== null) next.set(w, typeof p === 'number' ? p : trim(p));
      work += v.n;
      if (work > 200_000) {
        work = 0;
        await yieldLoop();
        if (stop()) return null;
      }
    }
    this.dict = next;
    this.nextDoc = n;
    return remap;
  }
}

/** The key a word is kept under: itself, or its first MAX_WORD characters. */
function indexKey(w: string): string {
  return w.length > MAX_WORD ? w.slice(0, MAX_WORD) : w;
}

/**
 * A copy of `s` that does not point into the text it was cut from (V8 keeps substrings of 13+
 * characters as slices of their parent: a kept word would pin a whole prompt in memory).
 */
function ownString(s: string): string {
  return s.length < 13 ? s : Buffer.from(s, 'utf8').toString('utf8');
}

function sizeOf(v: number | Postings): number {
  return typeof v === 'number' ? 1 : v.n;
}

function append(p: Postings, doc: number): void {
  let delta = p.n === 0 ? doc : doc - p.last;
  if (p.len + 5 > p.buf.length) {
    const bigger = new Uint8Array(Math.max(16, p.buf.length * 2));
    bigger.set(p.buf.subarray(0, p.len));
    p.buf = bigger;
  }
  while (delta >= 0x80) {
    p.buf[p.len++] = (delta & 0x7f) | 0x80;
    delta >>>= 7;
  }
  p.buf[p.len++] = delta;
  p.last = doc;
  p.n++;
}

function forEachDoc(v: number | Postings, fn: (doc: number) => void): void {
  if (typeof v === 'number') {
    fn(v);
    return;
  }
  const buf = v.buf;
  let doc = 0;
  let i = 0;
  let first = true;
  while (i < v.len) {
    let x = 0;
    let shift = 0;
    let b: number;
    do {
      b = buf[i++]!;
      x += (b & 0x7f) * 2 ** shift;
      shift += 7;
    } while (b & 0x80);
    doc = first ? x : doc + x;
    first = false;
    fn(doc);
  }
}

function trim(p: Postings): Postings {
  if (p.buf.length - p.len < 16) return p;
  return { ...p, buf: p.buf.slice(0, p.len) };
}

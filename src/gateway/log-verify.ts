/**
 * `aibridge verify FILE...` (SPEC §13): walks log files with their rotated siblings, or exports,
 * through {@link ChainVerifier} and says what holds, what broke and what cannot be proven.
 *
 * Each FILE is one chain: a live log file `PATH` brings its rotated siblings `PATH.YYYY-MM-DD.N`
 * (oldest first, the live file last: the order they were written); a rotated file or an export
 * stands alone. Files named twice (a shell glob `PATH*`) are read once, in their chain.
 */
import { createReadStream, existsSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { KeyObject } from 'node:crypto';
import { ChainVerifier, type ChainReport } from '../record/chain-verify.js';
import { keyIdOf } from '../record/chain.js';
import { RotatingFile } from './log-file.js';

/** One chain's files and what the walk found. */
export interface VerifiedChain {
  files: string[];
  report: ChainReport;
}

const ROTATED = /^(.*)\.(\d{4}-\d{2}-\d{2})\.(\d+)$/;

/** Groups the named files into chains, each in written order. Throws naming a missing file. */
export function chainsOf(files: readonly string[]): string[][] {
  const abs = files.map((f) => {
    if (!existsSync(f)) throw new Error(`${f}: no such file`);
    return path.resolve(f);
  });
  const live = new Set(abs.filter((f) => !ROTATED.test(f)));
  const chains = new Map<string, string[]>();
  for (const f of live) chains.set(f, [...RotatingFile.rotatedFilesOf(f), f]);
  // Rotated files named without their live file: one chain per base, in rotation order.
  for (const f of abs) {
    const base = ROTATED.exec(f)?.[1];
    if (base === undefined || live.has(base)) continue;
    const list = chains.get(base) ?? [];
    if (!list.includes(f)) list.push(f);
    chains.set(base, list.sort(compareRotated));
  }
  return [...chains.values()];
}

function compareRotated(a: string, b: string): number {
  const ma = ROTATED.exec(a);
  const mb = ROTATED.exec(b);
  const da = ma?.[2] ?? '';
  const db = mb?.[2] ?? '';
  return da === db ? Number(ma?.[3]) - Number(mb?.[3]) : da < db ? -1 : 1;
}

/** Verifies each chain among `files` against `publicKey`. */
export async function verifyFiles(files: readonly string[], publicKey: KeyObject): Promise<VerifiedChain[]> {
  const out: VerifiedChain[] = [];
  for (const group of chainsOf(files)) {
    const v = new ChainVerifier(publicKey);
    for (const file of group) {
      const rl = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
      let n = 0;
      for await (const line of rl) {
        n++;
        if (line === '') continue; // a blank line carries nothing (and has no seq to miss)
        v.add(line, { file, line: n });
      }
    }
    out.push({ files: group, report: v.finish() });
  }
  return out;
}

/** The report as text for people; `ok` when every chain holds. */
export function formatVerification(chains: readonly VerifiedChain[], publicKey: KeyObject, maxBreaks = 20): { text: string; ok: boolean } {
  let text = '';
  let ok = chains.length > 0;
  for (const { files, report } of chains) {
    const name = files.length === 1 ? files[0] : `${files.at(-1)} (+${files.length - 1} rotated)`;
    if (report.lines === 0) {
      ok = false;
      text += `FAIL ${name}: no lines\n`;
      continue;
    }
    const span = `${report.lines} lines, seq ${report.firstSeq}–${report.lastSeq}, ${report.checkpoints} good checkpoint${report.checkpoints === 1 ? '' : 's'}`;
    if (report.ok) {
      text += `OK   ${name}: ${span}; every link holds and the chain is signed through seq ${report.signedThrough} by key ${keyIdOf(publicKey)}\n`;
    } else {
      ok = false;
      text += `FAIL ${name}: ${span}; ${report.breaks.length} break${report.breaks.length === 1 ? '' : 's'}\n`;
      for (const b of report.breaks.slice(0, maxBreaks)) text += `  ${b.file}:${b.line}: ${b.message}\n`;
      if (report.breaks.length > maxBreaks) text += `  … and ${report.breaks.length - maxBreaks} more\n`;
    }
    for (const c of report.cannotProve) text += `  cannot prove: ${c}\n`;
  }
  return { text, ok };
}

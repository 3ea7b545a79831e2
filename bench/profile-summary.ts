/**
 * Summarises `.cpuprofile` files (from `node --cpu-prof`): self time per function and per file,
 * and total (inclusive) time per function, top N. Usage:
 * `node --import tsx bench/profile-summary.ts DIR_OR_FILE [N] [--skip SECONDS]`; `--skip` leaves
 * out the first SECONDS of each profile (start-up: module loading, the store opening), so the
 * figures are the steady state under load.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}
interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
}

const args = process.argv.slice(2);
const skipAt = args.indexOf('--skip');
const skipS = skipAt >= 0 ? Number(args[skipAt + 1]) : 0;
if (skipAt >= 0) args.splice(skipAt, 2);
const target = args[0] ?? '.';
const top = Number(args[1] ?? 25);
const files = statSync(target).isDirectory()
  ? readdirSync(target).filter((f) => f.endsWith('.cpuprofile')).map((f) => join(target, f))
  : [target];

const shortUrl = (url: string) => url.replace(/^.*\/(node_modules\/)/, '$1').replace(/^.*\/dist[^/]*\//, 'dist/').replace(/^file:\/\//, '');

for (const file of files) {
  const p = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const selfUs = new Map<number, number>();
  let t = 0;
  p.samples.forEach((id, i) => {
    t += p.timeDeltas[i] ?? 0;
    if (t < skipS * 1e6) return;
    selfUs.set(id, (selfUs.get(id) ?? 0) + (p.timeDeltas[i] ?? 0));
  });
  const keyOf = (n: Node) => `${n.callFrame.functionName || '(anonymous)'} ${shortUrl(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`;
  const total = [...selfUs.values()].reduce((a, b) => a + b, 0);
  const idle = [...selfUs].filter(([id]) => byId.get(id)!.callFrame.functionName === '(idle)').reduce((a, [, us]) => a + us, 0);
  const fn = new Map<string, number>();
  const fileT = new Map<string, number>();
  const incl = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const n = byId.get(id)!;
    const key = keyOf(n);
    fn.set(key, (fn.get(key) ?? 0) + us);
    const f = shortUrl(n.callFrame.url) || `(${n.callFrame.functionName})`;
    fileT.set(f, (fileT.get(f) ?? 0) + us);
    // Inclusive: each function on the stack once (recursion counted once).
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const k = keyOf(byId.get(cur)!);
      if (seen.has(k)) continue;
      seen.add(k);
      incl.set(k, (incl.get(k) ?? 0) + us);
    }
  }
  const busy = total - idle;
  const show = (m: Map<string, number>, filter: (k: string) => boolean = () => true) =>
    [...m]
      .filter(([k]) => filter(k))
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([k, us]) => `${((us / busy) * 100).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(0).padStart(6)} ms  ${k}`)
      .join('\n');
  const notIdle = (k: string) => !/^\(?\((idle|root|program)\)/.test(k);
  console.log(
    `# ${file}: ${(total / 1e6).toFixed(2)} s sampled${skipS ? ` after the first ${skipS} s` : ''}, ${(busy / 1e6).toFixed(2)} s busy (percentages are of busy time)\n` +
      `## self time by function\n${show(fn, notIdle)}\n## self time by file\n${show(fileT, notIdle)}\n` +
      `## total time (self + callees) by function, our code (dist/)\n${show(incl, (k) => k.includes('dist/'))}\n`,
  );
}

/** Spawns test/helpers/store-writer.ts and reads its stdout line by line. */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const script = fileURLToPath(new URL('./store-writer.ts', import.meta.url));

export interface StoreChild {
  proc: ChildProcess;
  lines: string[];
  /** Resolves once a stdout line satisfies `pred` (or rejects when the child exits first). */
  waitFor(pred: (line: string) => boolean): Promise<string>;
  /** Resolves with the exit signal/code once the child is gone (reaped, so its pid is free). */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr(): string;
}

export function spawnStoreChild(args: string[]): StoreChild {
  const proc = spawn(process.execPath, ['--import', 'tsx', script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let err = '';
  let buf = '';
  const waiters: { pred: (l: string) => boolean; resolve: (l: string) => void }[] = [];
  proc.stdout!.setEncoding('utf8').on('data', (d: string) => {
    buf += d;
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      lines.push(line);
      for (const w of [...waiters]) {
        if (w.pred(line)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(line);
        }
      }
    }
  });
  proc.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return {
    proc,
    lines,
    exited,
    stderr: () => err,
    waitFor: (pred) => {
      const hit = lines.find(pred);
      if (hit !== undefined) return Promise.resolve(hit);
      return Promise.race([
        new Promise<string>((resolve) => waiters.push({ pred, resolve })),
        exited.then(({ code, signal }) => {
          throw new Error(`store child exited (${String(code ?? signal)}) before the expected line; stderr: ${err}`);
        }),
      ]);
    },
  };
}

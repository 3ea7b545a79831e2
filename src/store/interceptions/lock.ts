/**
 * One writer per data dir: two processes appending to the same segments would each keep their own
 * idea of the byte offsets. Readers (the CLI) take no lock.
 */
import { open, readFile, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

const LOCK_FILE = 'writer.lock';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else, which still means alive.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes the writer lock or throws naming the process that holds it. Returns a release function. */
export async function acquireWriterLock(dir: string): Promise<() => Promise<void>> {
  const path = join(dir, LOCK_FILE);
  const mine = String(process.pid);
  try {
    const fh = await open(path, 'wx', 0o600);
    try {
      await fh.writeFile(mine);
    } catch (err) {
      // A full disk creates the file but takes no byte: leave no empty lock behind.
      await fh.close();
      await unlink(path).catch(() => undefined);
      throw err;
    }
    await fh.close();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    const holder = Number.parseInt((await readFile(path, 'utf8').catch(() => '')).trim(), 10);
    if (Number.isInteger(holder) && holder > 0 && alive(holder)) {
      throw new Error(
        `interception store in ${dir} is already open for writing by process ${holder}` +
          (holder === process.pid ? ' (this process: close it first)' : ''),
      );
    }
    // Left behind by a crashed writer (kill -9, power loss): take it over.
    await writeFile(path, mine);
  }
  return async () => {
    const now = await readFile(path, 'utf8').catch(() => '');
    if (now.trim() === mine) await unlink(path).catch(() => undefined);
  };
}

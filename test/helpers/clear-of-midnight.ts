/**
 * For tests on the real clock whose figures belong to one local day or month (budget spend,
 * "today"): a file that started a minute before midnight would see the day's spend reset half-way
 * and a call that must be refused go through. Called first in such a file's `beforeAll`: when
 * local midnight is less than `marginMs` away it waits until just after it, so the whole file
 * runs inside one day (and one month). Costs nothing on any other start.
 */
import { setTimeout as sleep } from 'node:timers/promises';

/** How close to midnight a file may start; the waiting hook needs a timeout above this. */
export const MIDNIGHT_MARGIN_MS = 60_000;

export async function clearOfMidnight(marginMs = MIDNIGHT_MARGIN_MS, now = Date.now): Promise<number> {
  const t = new Date(now());
  const left = new Date(t.getFullYear(), t.getMonth(), t.getDate() + 1).getTime() - t.getTime();
  if (left >= marginMs) return 0;
  await sleep(left + 1_000);
  return left + 1_000;
}

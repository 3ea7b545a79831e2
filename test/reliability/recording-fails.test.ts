/**
 * The data dir stops taking writes: the gateway keeps proxying, says loudly that recording fails,
 * `/healthz` reports `degraded`, and once writes work again the records kept in memory are written.
 *
 * How the failure is made (we run as root, so chmod would not stop a write; no tmpfs or loop
 * device here): before the first write of the day, today's segment file
 * `<data>/interceptions/<YYYY-MM-DD>.jsonl` is made a symlink to
 *   - `/dev/full`: every write fails with ENOSPC — a full disk;
 *   - `/proc/version`: opens for append but every write fails with EIO — a disk that refuses
 *     writes, standing in for a read-only mount (EROFS), which root cannot be given here.
 * Removing the symlink is the disk coming back.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, symlinkSync, unlinkSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'undici';
import { startMockUpstream, type MockUpstream } from '../helpers/mock-upstream.js';
import { adminGet, allRecords, anthropicBody, bridgeHeaders, client, healthz, providerArgs, startGatewayProcess, tempDataDir } from './harness.js';

let up: MockUpstream;

beforeAll(async () => {
  up = await startMockUpstream();
});
afterAll(async () => {
  await up?.close();
});

describe.each([
  { target: '/dev/full', code: 'ENOSPC', what: 'disk full' },
  { target: '/proc/version', code: 'EIO', what: 'writes refused' },
])('recording fails ($what: segment → $target)', ({ target, code }) => {
  it('keeps proxying, logs it, /healthz degraded; recovers and writes the kept records', async () => {
    const data = tempDataDir('nospace');
    const gw = await startGatewayProcess({ dataDir: data.dir, args: providerArgs(up.url) });
    try {
      const segDir = join(data.dir, 'interceptions');
      const today = new Date().toISOString().slice(0, 10);
      const seg = join(segDir, `${today}.jsonl`);
      expect(existsSync(seg)).toBe(false);
      symlinkSync(target, seg);

      const answers: string[] = [];
      for (let i = 0; i < 6; i++) {
        const r = await request(`${gw.url}/anthropic/v1/messages`, {
          method: 'POST',
          headers: bridgeHeaders(data.token),
          body: anthropicBody({ stream: i % 2 === 1 }),
          dispatcher: client,
        });
        answers.push(await r.body.text());
        expect(r.statusCode).toBe(200);
      }
      expect(answers.filter((a) => a.includes('message_stop'))).toHaveLength(3);
      expect(answers.filter((a) => a.includes('"type":"message"'))).toHaveLength(3);

      await expect.poll(async () => (await healthz(gw)).status, { timeout: 10_000 }).toBe('degraded');
      const h = await healthz(gw);
      expect(h.ok).toBe(false);
      expect(h.error).toContain(code);
      const status = await adminGet<{ health: { ok: boolean } }>(gw, '/api/v1/status');
      expect(status.health.ok).toBe(false);
      expect(gw.stderr()).toMatch(/write failed.*keeps proxying|keeps proxying.*write failed/s);
      // The records are still visible (kept in memory), not lost.
      await expect.poll(async () => (await allRecords(gw)).length).toBe(6);

      // The disk comes back: the retry writes everything and health returns.
      unlinkSync(seg);
      await expect.poll(async () => (await healthz(gw)).ok, { timeout: 15_000 }).toBe(true);
      expect(gw.stderr()).toMatch(/writes work again/);
      expect(readdirSync(segDir)).toContain(`${today}.jsonl`);
    } finally {
      await gw.stop();
    }
    // Durable: a restart reads all six back from disk.
    const again = await startGatewayProcess({ dataDir: data.dir, args: providerArgs(up.url) });
    try {
      const recs = await allRecords(again);
      expect(recs).toHaveLength(6);
      expect(recs.every((r) => r.status === 'completed')).toBe(true);
    } finally {
      await again.stop();
      data.cleanup();
    }
  });
});

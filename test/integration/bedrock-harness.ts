/**
 * Shared setup for the Bedrock integration tests: the real app (startApp, temp data dir, port 0)
 * configured for Bedrock against the mock Bedrock runtime, a bridge token from the admin API, and
 * reading finished interceptions back.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startApp } from '../../src/app.js';
import type { RunningApp } from '../../src/app-types.js';
import type { Interception } from '../../src/record/types.js';
import { startMockBedrock, type MockBedrock } from '../helpers/mock-bedrock.js';

export const BEDROCK_MODEL = 'us.anthropic.claude-sonnet-4-5-20250929-v1:0';
export const BEDROCK_SMALL_MODEL = 'us.anthropic.claude-haiku-4-5-20251001-v1:0';
export const BRIDGE_AKID = 'AKIDBRIDGEKEY0000001';

export interface BedrockHarness {
  app: RunningApp;
  mock: MockBedrock;
  /** A bridge token for clients. */
  token: string;
  /** Waits until `n` interceptions have ended and returns them newest first. */
  ended(n: number): Promise<Interception[]>;
  /** Waits for the next ended interception after the ones counted so far. */
  next(): Promise<Interception>;
  close(): Promise<void>;
}

export async function startBedrockHarness(extraEnv: Record<string, string> = {}): Promise<BedrockHarness> {
  const mock = await startMockBedrock();
  const dataDir = mkdtempSync(join(tmpdir(), 'aibridge-bedrock-'));
  const app = await startApp({
    dataDir,
    port: 0,
    env: {
      AIBRIDGE_ENABLED: 'true',
      AIBRIDGE_BEDROCK_REGION: 'us-east-1',
      AIBRIDGE_BEDROCK_ACCESS_KEY: BRIDGE_AKID,
      AIBRIDGE_BEDROCK_ACCESS_KEY_SECRET: 'bridge-secret-key-value',
      AIBRIDGE_BEDROCK_MODEL: BEDROCK_MODEL,
      AIBRIDGE_BEDROCK_SMALL_FAST_MODEL: BEDROCK_SMALL_MODEL,
      AIBRIDGE_BEDROCK_BASE_URL: mock.url,
      ...extraEnv,
    },
  });
  const admin = { authorization: `Bearer ${app.adminToken}`, 'content-type': 'application/json' };
  const res = await fetch(`${app.url}/api/v1/tokens`, { method: 'POST', headers: admin, body: JSON.stringify({ name: 'alice' }) });
  if (res.status !== 201) throw new Error(`token create: ${res.status} ${await res.text()}`);
  const { token } = (await res.json()) as { token: string };

  let seen = 0;
  const ended = async (n: number): Promise<Interception[]> => {
    for (let i = 0; i < 400; i++) {
      const r = await fetch(`${app.url}/api/v1/interceptions?limit=1000`, { headers: admin });
      const page = (await r.json()) as { count: number; results: Interception[] };
      if (page.count >= n) return page.results;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    throw new Error(`fewer than ${n} interceptions ended`);
  };
  return {
    app,
    mock,
    token,
    ended,
    async next() {
      seen++;
      const all = await ended(seen);
      const rec = all[0];
      if (!rec || all.length !== seen) throw new Error(`expected ${seen} interceptions, got ${all.length}`);
      return rec;
    },
    async close() {
      await app.close();
      await mock.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

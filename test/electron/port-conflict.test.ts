/**
 * Port in use at launch: a dialog, a retry on another port, the choice saved — not a silent exit.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { APP_NAME, startDesktop, type Desktop } from '../../electron/desktop.js';
import { findFreePort, isPortInUse } from '../../electron/port-conflict.js';
import { startApp } from '../../src/app.js';
import { PortInUseError } from '../../src/app-types.js';
import { FakePlatform } from './fake-platform.js';

let root = '';
let blocker: Server;
let taken = 0;
const running: Desktop[] = [];

beforeEach(async () => {
  root = mkdtempSync(join(tmpdir(), 'aibridge-port-'));
  blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen({ host: '127.0.0.1', port: 0 }, resolve));
  const address = blocker.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  taken = address.port;
});
afterEach(async () => {
  for (const d of running.splice(0)) await d.quit();
  await new Promise<void>((resolve) => blocker.close(() => resolve()));
  rmSync(root, { recursive: true, force: true });
});

/** Saves `port` as the dashboard setting of the data dir the desktop app will use. */
async function presetPort(port: number): Promise<string> {
  const dataDir = join(root, 'appData', APP_NAME);
  const app = await startApp({ dataDir, port: 0, env: {} });
  const res = await fetch(`${app.url}/api/v1/settings`, {
    method: 'PATCH',
    headers: { Authorization: `Bearer ${app.adminToken}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ port }),
  });
  expect(res.status).toBe(200);
  await app.close();
  return dataDir;
}

describe('port in use at launch', () => {
  it('offers the next free port, starts there and saves it for the next start', async () => {
    const dataDir = await presetPort(taken);
    const platform = new FakePlatform(root);
    platform.messageBoxAnswers.push(0);
    const desktop = await startDesktop({ platform, startApp, preloadPath: '/p.js', env: {} });
    expect(desktop).toBeDefined();
    if (!desktop) return;
    running.push(desktop);

    const [box] = platform.messageBoxes;
    expect(box?.message).toBe(`Port ${taken} is already in use`);
    expect(box?.buttons[0]).toMatch(/^Use port \d+$/);
    expect(box?.buttons.at(-1)).toBe('Quit');
    expect(box?.buttons[0]).toBe(`Use port ${desktop.running.port}`);
    expect(desktop.running.port).toBeGreaterThan(taken);
    expect(platform.notifications[0]?.body).toMatch(/^Saved as the bridge port/);
    expect(platform.tray.item('status').label).toContain(`port ${desktop.running.port}`);

    const chosen = desktop.running.port;
    await desktop.quit();
    running.splice(0);
    const again = await startApp({ dataDir, env: {} });
    try {
      expect(again.port).toBe(chosen);
    } finally {
      await again.close();
    }
  });

  it('"Use any free port" works when a variable fixes the port, for this run only', async () => {
    const platform = new FakePlatform(root);
    platform.messageBoxAnswers.push(1);
    const desktop = await startDesktop({ platform, startApp, preloadPath: '/p.js', env: { AIBRIDGE_PORT: String(taken) } });
    expect(desktop).toBeDefined();
    if (!desktop) return;
    running.push(desktop);
    expect(platform.messageBoxes[0]?.buttons[1]).toBe('Use any free port');
    expect(desktop.running.port).not.toBe(taken);
    expect(platform.notifications[0]?.body).toMatch(/For this run only \(the port is fixed/);
  });

  it('Quit in the dialog ends the app without a tray', async () => {
    await presetPort(taken);
    const platform = new FakePlatform(root);
    platform.messageBoxAnswers.push(2);
    expect(await startDesktop({ platform, startApp, preloadPath: '/p.js', env: {} })).toBeUndefined();
    expect(platform.app.exitCodes).toEqual([0]);
    expect(platform.trays).toHaveLength(0);
  });

  it('any other start-up error is shown, then the app exits', async () => {
    const platform = new FakePlatform(root);
    expect(await startDesktop({ platform, startApp, preloadPath: '/p.js', env: { AIBRIDGE_RETENTION: 'forever-ish' } })).toBeUndefined();
    expect(platform.errors[0]?.title).toBe('AI Bridge could not start');
    expect(platform.errors[0]?.content).toMatch(/retention/i);
    expect(platform.app.exitCodes).toEqual([1]);
  });

  it('recognises PortInUseError and finds a bindable port', async () => {
    expect(isPortInUse(new PortInUseError('127.0.0.1', 8642))).toBe(true);
    expect(isPortInUse(Object.assign(new Error('x'), { code: 'EADDRINUSE' }))).toBe(false);
    const next = await findFreePort('127.0.0.1', taken);
    expect(next).toBeGreaterThan(taken);
  });
});

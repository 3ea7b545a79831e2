/**
 * Port in use at launch: instead of a silent exit, a dialog names the port and offers the next free
 * one or any free one. The choice is saved through the admin API (`PATCH /api/v1/settings
 * {"port"}`, the same setting the dashboard edits), so the next start — desktop or headless on the
 * same data dir — uses it too.
 */
import { createServer } from 'node:net';
import type { RunningApp } from '../src/app-types.js';
import type { Platform } from './platform.js';

/** The facts of a port conflict (a `PortInUseError` from startApp has them). */
export interface PortConflict {
  host: string;
  port: number;
}

/** True for `PortInUseError` (by shape, so a second copy of the class still matches). */
export function isPortInUse(err: unknown): err is PortConflict & Error {
  if (!(err instanceof Error)) return false;
  const e = err as Error & Partial<PortConflict> & { code?: unknown };
  return e.code === 'EADDRINUSE' && typeof e.port === 'number' && typeof e.host === 'string';
}

function canListen(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** The first port after `after` that can be bound on `host` (up to `tries` ports), or undefined. */
export async function findFreePort(host: string, after: number, tries = 50): Promise<number | undefined> {
  for (let port = after + 1; port <= Math.min(after + tries, 65535); port++) {
    if (await canListen(host, port)) return port;
  }
  return undefined;
}

/** Outcome of saving the chosen port. */
export type PersistResult = 'saved' | 'fixed' | 'failed';

/**
 * Saves the port the gateway now listens on as the `port` setting. 'fixed' when a flag or
 * environment variable sets the port (the API answers 409) — the choice then holds for this run.
 */
export async function persistPort(running: Pick<RunningApp, 'url' | 'port' | 'adminToken'>): Promise<PersistResult> {
  try {
    const res = await fetch(`${running.url}/api/v1/settings`, {
      method: 'PATCH',
      headers: { Authorization: `Bearer ${running.adminToken}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ port: running.port }),
    });
    await res.arrayBuffer();
    if (res.ok) return 'saved';
    return res.status === 409 ? 'fixed' : 'failed';
  } catch {
    return 'failed';
  }
}

export interface PortChoiceDeps {
  platform: Pick<Platform, 'dialog' | 'notify'>;
  /** Starts the gateway; `port` undefined = the configured port. */
  start(port: number | undefined): Promise<RunningApp>;
  /** Defaults to {@link persistPort}. */
  persist?: (running: RunningApp) => Promise<PersistResult>;
  /** Defaults to {@link findFreePort}. */
  findPort?: (host: string, after: number) => Promise<number | undefined>;
}

/**
 * Starts the gateway; on a port conflict asks the user for another port and retries.
 * Resolves to undefined when the user chose Quit. Other start-up errors are thrown.
 */
export async function startWithPortChoice(deps: PortChoiceDeps): Promise<RunningApp | undefined> {
  const findPort = deps.findPort ?? findFreePort;
  const persist = deps.persist ?? persistPort;
  let port: number | undefined;
  for (;;) {
    let running: RunningApp;
    try {
      running = await deps.start(port);
    } catch (err) {
      if (!isPortInUse(err)) throw err;
      const next = await findPort(err.host, err.port);
      const buttons = [...(next !== undefined ? [`Use port ${next}`] : []), 'Use any free port', 'Quit'];
      const choice = await deps.platform.dialog.showMessageBox({
        type: 'warning',
        title: 'AI Bridge Desktop',
        message: `Port ${err.port} is already in use`,
        detail:
          `Another program — perhaps another AI Bridge — is listening on ${err.host}:${err.port}, so the bridge ` +
          'cannot start there. Pick another port: it is saved for the next start, and your tools must use it ' +
          '(the tray menu\'s "Copy … setup" items have the new address).',
        buttons,
        defaultId: 0,
        cancelId: buttons.length - 1,
      });
      const label = buttons[choice];
      if (label === undefined || label === 'Quit') return undefined;
      port = label === 'Use any free port' ? 0 : next;
      continue;
    }
    if (port !== undefined) {
      const saved = await persist(running);
      deps.platform.notify(
        `AI Bridge is on port ${running.port}`,
        saved === 'saved'
          ? `Saved as the bridge port. Point your tools at ${running.url}.`
          : `For this run only (${saved === 'fixed' ? 'the port is fixed by a flag or environment variable' : 'saving the setting failed'}). Point your tools at ${running.url}.`,
      );
    }
    return running;
  }
}

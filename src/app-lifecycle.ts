/**
 * How `startApp` (src/app.ts) starts listening and stops: the steps it lists run in their order,
 * each awaited; a port that is taken closes what was opened and throws {@link PortInUseError}.
 */
import { PortInUseError } from './app-types.js';
import { isWildcardHost } from './gateway/http/host-check.js';
import type { Gateway } from './gateway/server.js';

/** Runs `steps` in order, each awaited, once: every later call returns the same promise. */
export function inOrderOnce(steps: ReadonlyArray<() => unknown>): () => Promise<void> {
  let running: Promise<void> | undefined;
  return () =>
    (running ??= (async () => {
      for (const step of steps) await step();
    })());
}

/** Where the gateway listens. */
export interface Listening {
  port: number;
  host: string;
  /** `http://host:port` (an IPv6 host in brackets). */
  url: string;
  /** Where a browser opens the dashboard: a wildcard address is no address a browser may open (and the Host guard refuses it), so loopback. */
  loginBase: string;
}

/** Listens; when that fails, runs `closeOpened` first, and a taken port throws {@link PortInUseError}. */
export async function listenOrClose(gateway: Pick<Gateway, 'listen'>, port: number, host: string, closeOpened: () => Promise<void>): Promise<Listening> {
  let bound: { port: number; host: string };
  try {
    bound = await gateway.listen(port, host);
  } catch (err) {
    await closeOpened();
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') throw new PortInUseError(host, port);
    throw err;
  }
  const hostForUrl = bound.host.includes(':') ? `[${bound.host}]` : bound.host;
  const url = `http://${hostForUrl}:${bound.port}`;
  return { ...bound, url, loginBase: isWildcardHost(bound.host) ? `http://127.0.0.1:${bound.port}` : url };
}

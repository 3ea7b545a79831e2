/**
 * The gateway's HTTP server (STYLE.md §2): `createGateway(deps)` → `{ listen(port), close() }`.
 * Provider routes run on the raw node:http path (the hot path: no framework per chunk); the admin
 * API, `/healthz`, `/metrics` and the dashboard's static files go through Express.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import express, { type Request, type Response, type NextFunction } from 'express';
import type { Settings } from '../config/schema.js';
import { providerHandler, type ProviderRouteDeps } from './routes/provider-handler.js';
import { RequestPaths, type RequestPath } from './http/request-path.js';
import { adminRouter, type AdminDeps } from './routes/admin.js';
import { hostGuard, isLoopbackPeer } from './http/host-check.js';
import { BadRequestError, GatewayError, NotFoundError, RemoteAdminError, errorBody, sendError } from './errors.js';

export interface GatewayDeps {
  settings: () => Settings;
  providers: ProviderRouteDeps;
  admin: AdminDeps;
  /** `{ ok, … }` for /healthz; `ok:false` when recording fails (the gateway still proxies). */
  health(): { ok: boolean; [k: string]: unknown };
  /** Built dashboard (dist/ui); the UI is served only when it exists. */
  uiDir?: string;
  onError?: (err: unknown) => void;
  /** A new connection was refused because `max_connections` are open. */
  onConnectionDropped?: () => void;
  /** Hands on deferred bookkeeping (log lines, metrics) before an admin request reads it. */
  settle?: () => void;
}

/**
 * `onConnectionDropped` for the composition: a warning naming `--max-connections`, once a minute at
 * most (a flood of refused connections must not flood the log too).
 */
export function connectionDropWarning(settings: () => Settings, now: () => number, warn: (obj: object, msg: string) => void): () => void {
  let last = -Infinity;
  return () => {
    if (now() - last < 60_000) return;
    last = now();
    warn({ max_connections: settings().max_connections }, `connection refused: ${settings().max_connections} connections are open (--max-connections)`);
  };
}

export interface Gateway {
  readonly server: Server;
  listen(port: number, host?: string): Promise<{ port: number; host: string }>;
  close(): Promise<void>;
}

const UI_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

export function createGateway(deps: GatewayDeps): Gateway {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);

  app.use((req: Request, res: Response, next: NextFunction) => {
    const forbidden = hostGuard(req.headers.host, deps.settings());
    if (forbidden) sendError(res, 'openai', forbidden);
    else next();
  });

  app.get('/healthz', (_req, res) => {
    const h = deps.health();
    res.status(200).json(h);
  });
  // Claude Code pre-connects with `HEAD /`; any status works, 200 is friendliest.
  app.head('/', (_req, res) => res.status(200).end());
  app.get('/', (_req, res) => res.redirect(302, '/ui/'));

  app.use(['/api', '/metrics'], (req, res, next) => {
    // Administration stays on this machine unless the owner said otherwise (issue #13).
    if (!deps.settings().allow_remote_admin && !isLoopbackPeer(req.socket.remoteAddress)) {
      sendError(res, 'openai', new RemoteAdminError(req.socket.remoteAddress ?? 'an unknown peer'));
      return;
    }
    deps.settle?.();
    next();
  });
  const admin = adminRouter(deps.admin);
  app.use('/api/v1', admin.api);
  app.get('/metrics', admin.metrics);

  const uiDir = deps.uiDir;
  if (uiDir && existsSync(join(uiDir, 'index.html'))) {
    // Express matches `/ui` and `/ui/` alike (non-strict routing): redirect only the bare path.
    app.get('/ui', (req, res, next) => (req.path === '/ui' ? res.redirect(301, '/ui/') : next()));
    app.use(
      '/ui',
      (_req, res, next) => {
        res.setHeader('content-security-policy', UI_CSP);
        res.setHeader('x-content-type-options', 'nosniff');
        res.setHeader('referrer-policy', 'no-referrer');
        next();
      },
      express.static(uiDir, { index: 'index.html', fallthrough: true, maxAge: 0 }),
      (req, res) => {
        // A missing script or style (a tab left open across an upgrade) is a 404, not the page.
        if (req.path.startsWith('/assets/')) res.status(404).type('text/plain').send('not found');
        else res.sendFile(join(uiDir, 'index.html'));
      },
    );
  } else {
    app.get(/^\/ui(\/.*)?$/, (_req, res) => {
      res.status(503).type('text/plain').send('The dashboard is not built. Run `npm run build` (or `npm start`).');
    });
  }

  app.use((_req, res) => sendError(res, 'openai', new NotFoundError('not found')));

  const providers = providerHandler(deps.providers);
  const paths = new RequestPaths();
  const server = createServer({ keepAliveTimeout: 65_000, requestTimeout: 0, headersTimeout: 60_000 }, (req, res) => {
    let url: RequestPath;
    try {
      url = paths.of(req.url ?? '/');
    } catch {
      sendError(res, 'openai', new BadRequestError('bad request URL'));
      return;
    }
    providers(req, res, url)
      .then((handled) => {
        if (!handled) app(req, res);
      })
      .catch((err: unknown) => {
        deps.onError?.(err);
        sendError(res, 'openai', new GatewayError(500, 'internal_error', 'internal error', { cause: err }));
      });
  });
  // Past `max_connections` Node drops new sockets at once (issue #13: idle keep-alive sockets and
  // trickled bodies must not pile up until file descriptors run out). app.ts follows changes.
  server.maxConnections = deps.settings().max_connections;
  if (deps.onConnectionDropped) server.on('drop', deps.onConnectionDropped);
  // Requests Node cannot even parse never reach a route, so the provider is unknown: answer in the
  // OpenAI shape, which carries both a message and a code, rather than with an empty body.
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    if (!socket.writable) {
      socket.destroy();
      return;
    }
    const tooLarge = err.code === 'HPE_HEADER_OVERFLOW';
    const status = tooLarge ? '431 Request Header Fields Too Large' : '400 Bad Request';
    const body = JSON.stringify(
      errorBody('openai', tooLarge ? new GatewayError(431, 'headers_too_large', 'request headers are too large') : new BadRequestError(`malformed HTTP request (${err.code ?? 'parse error'})`)),
    );
    socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
  });

  return {
    server,
    listen(port, host = '127.0.0.1') {
      return new Promise((resolve, reject) => {
        const onError = (err: Error) => reject(err);
        server.once('error', onError);
        server.listen(port, host, () => {
          server.off('error', onError);
          const a = server.address() as AddressInfo;
          resolve({ port: a.port, host });
        });
      });
    },
    close() {
      return new Promise((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        // Streams still open end now; their records become `cancelled` through the pipeline.
        setTimeout(() => server.closeAllConnections(), 2000).unref();
      });
    },
  };
}

/**
 * The admin API (SPEC §5, docs/admin-api.md): what the dashboard, the tray and scripts use.
 * Every route needs the admin token; no CORS headers are ever sent, so other origins cannot read.
 * Errors are GatewayErrors, written in the OpenAI shape by the one writer (src/gateway/errors.ts).
 */
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import type { ConfigService } from '../../config/config.js';
import { SettingsPatchError } from '../../config/config.js';
import type { TokenStore } from '../../store/tokens.js';
import { TokenError } from '../../store/tokens.js';
import { ConnectError, isConnectClient, type ConnectClient, type ConnectStatus } from '../../store/connect.js';
import type { InterceptionStore } from '../../store/interceptions/types.js';
import type { Interception } from '../../record/types.js';
import { tokenEquals } from '../../store/admin-token.js';
import { exportRecords } from '../../store/export.js';
import type { ChainSigner } from '../../record/chain.js';
import { listQuery, QueryError, sessionsQuery, timeRange } from '../../store/query.js';
import { AdminAuthError, BadRequestError, GatewayError, NotFoundError, asGatewayError, sendError, userError } from '../errors.js';
import type { Metrics } from '../metrics.js';
import type { LiveEvents } from '../live-feed.js';
import { MAX_TZ_MINUTES, sessionsReport, usageReport, type UsageGroup } from './usage.js';
import { withCost } from '../../record/cost.js';
import { parseBudget, type Budget, type BudgetAlert, type Spend } from '../../record/budgets.js';
import { parsePriceOverrides } from '../../record/prices.js';
import { FixedPriceError, type PriceSettings } from '../../store/prices-file.js';
import { pricesView } from './prices.js';

export interface AdminDeps {
  adminToken: string;
  status(): unknown;
  setEnabled(on: boolean): Promise<void>;
  config: ConfigService;
  tokens: TokenStore;
  store: InterceptionStore;
  metrics: Metrics;
  events: LiveEvents;
  now: () => number;
  /** Records that started before this are expired and hidden (SPEC §8). */
  visibleAfter(): number | undefined;
  /** Signs the export's chain checkpoints (SPEC §13). */
  signer?: ChainSigner;
  testProvider(name: string): Promise<{ ok: boolean; status: number | null; message: string; models: string[] }>;
  /** One-click client setup (SPEC §16): src/store/connect.ts over this bridge's URL and home. */
  connect: {
    status(): ConnectStatus[];
    connect(client: ConnectClient, tokenName?: string): Promise<ConnectStatus>;
    undo(client: ConnectClient): Promise<ConnectStatus>;
  };
  /** The price table and its overrides (SPEC §11): records, usage rows and `/prices`. */
  prices: PriceSettings;
  /** A token's spend this local day and month (SPEC §11). */
  spend(tokenId: string): Spend;
}

/** Express router mounted at `/api/v1`, plus the `/metrics` handler. */
export function adminRouter(deps: AdminDeps): { api: Router; metrics: express.RequestHandler } {
  const isAdmin = (req: Request): boolean => {
    const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    return Boolean(m?.[1] && tokenEquals(m[1], deps.adminToken));
  };
  const requireAdmin = (req: Request, _res: Response, next: NextFunction) => {
    if (!isAdmin(req)) {
      next(new AdminAuthError());
      return;
    }
    next();
  };

  const api = express.Router();
  api.use(requireAdmin);
  // Not strict: `PUT /tokens/{id}/budget` takes a bare `null` (clear the budget, SPEC §11).
  api.use(express.json({ limit: '1mb', strict: false }));

  api.get('/status', (_req, res) => {
    res.json(deps.status());
  });

  api.put('/bridge', async (req, res) => {
    const enabled: unknown = req.body?.enabled;
    if (typeof enabled !== 'boolean') throw new BadRequestError('body must be {"enabled": true|false}');
    await deps.setEnabled(enabled);
    res.json({ enabled });
  });

  api.get('/settings', (_req, res) => {
    res.json(deps.config.describe());
  });

  api.patch('/settings', async (req, res) => {
    const body: unknown = req.body;
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new BadRequestError('body must be a JSON object of settings');
    }
    const { enabled, ...rest } = body as Record<string, unknown>;
    try {
      if (Object.keys(rest).length) deps.config.patch(rest);
    } catch (err) {
      if (err instanceof SettingsPatchError) throw userError(err.status, err.message, err);
      throw err;
    }
    if (typeof enabled === 'boolean') await deps.setEnabled(enabled);
    res.json(deps.config.describe());
  });

  api.post('/providers/:name/test', async (req, res) => {
    const name = String(req.params['name']);
    if (!['anthropic', 'openai', 'bedrock'].includes(name)) throw new NotFoundError(`unknown provider "${name}"`);
    res.json(await deps.testProvider(name));
  });

  api.get('/tokens', async (_req, res) => {
    const list = await tokenCall(() => deps.tokens.list());
    res.json({ results: list.map((t) => ({ ...t, spend: deps.spend(t.id) })) });
  });

  api.put('/tokens/:id/budget', async (req, res) => {
    const budget = budgetBody(req.body);
    const info = await tokenCall(() => deps.tokens.setBudget(String(req.params['id']), budget));
    res.json({ ...info, spend: deps.spend(info.id) });
  });

  api.post('/tokens', async (req, res) => {
    const name: unknown = req.body?.name;
    if (typeof name !== 'string') throw new BadRequestError('body must be {"name": "…"} (and optionally "budget": {"usd_per_day", "usd_per_month", "tokens_per_day"})');
    const budget = budgetBody(req.body?.budget);
    const { info, token } = await tokenCall(() => deps.tokens.create(name, budget));
    res.status(201).json({ ...info, token });
  });

  api.delete('/tokens/:id', async (req, res) => {
    await tokenCall(() => deps.tokens.revoke(String(req.params['id'])));
    res.status(204).end();
  });

  api.get('/connect', (_req, res) => {
    res.json({ results: deps.connect.status() });
  });

  api.post('/connect/:client', async (req, res) => {
    const client = connectClientOf(String(req.params['client']));
    const tokenName: unknown = req.body?.token_name;
    if (tokenName !== undefined && typeof tokenName !== 'string') throw new BadRequestError('token_name must be a string');
    res.json(await tokenCall(() => deps.connect.connect(client, tokenName)));
  });

  api.delete('/connect/:client', async (req, res) => {
    const client = connectClientOf(String(req.params['client']));
    res.json(await tokenCall(() => deps.connect.undo(client)));
  });

  api.get('/interceptions', async (req, res) => {
    const q = query(() => listQuery(req.query as Record<string, unknown>, deps.visibleAfter()));
    try {
      const page = await deps.store.list(q);
      res.json({ ...page, results: page.results.map((r) => withCost(r, deps.prices.table)) });
    } catch (err) {
      // The store refuses what it cannot page (an unknown `after_id`): the caller's mistake.
      throw new BadRequestError((err as Error).message, err);
    }
  });

  api.get('/interceptions/:id', async (req, res) => {
    const rec = await deps.store.get(String(req.params['id']));
    const cutoff = deps.visibleAfter();
    if (!rec || (cutoff !== undefined && Date.parse(rec.started_at) < cutoff)) {
      throw new NotFoundError(`no interception with id "${req.params['id']}"`);
    }
    res.json(withCost(rec, deps.prices.table));
  });

  api.get('/events', (req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', 'x-accel-buffering': 'no' });
    res.write(': connected\n\n');
    const onRec = (rec: Interception) => res.write(`event: interception\ndata: ${JSON.stringify(withCost(rec, deps.prices.table))}\n\n`);
    const onStart = (rec: Interception) => res.write(`event: interception_start\ndata: ${JSON.stringify(withCost(rec, deps.prices.table))}\n\n`);
    const onBridge = (enabled: boolean) => res.write(`event: bridge\ndata: ${JSON.stringify({ enabled })}\n\n`);
    deps.events.on('interception', onRec);
    deps.events.on('interception_start', onStart);
    deps.events.on('bridge', onBridge);
    const onAlert = (a: BudgetAlert) => res.write(`event: budget_alert\ndata: ${JSON.stringify(a)}\n\n`);
    deps.events.on('budget_alert', onAlert);
    const ping = setInterval(() => res.write(': ping\n\n'), 15_000);
    req.on('close', () => {
      clearInterval(ping);
      deps.events.off('interception', onRec);
      deps.events.off('interception_start', onStart);
      deps.events.off('bridge', onBridge);
      deps.events.off('budget_alert', onAlert);
    });
  });

  api.get('/usage', async (req, res) => {
    const group = String(req.query['group_by'] ?? 'model') as UsageGroup;
    if (!['model', 'provider', 'initiator', 'client', 'day'].includes(group)) {
      throw new BadRequestError(`group_by must be model, provider, initiator, client or day, not "${group}"`);
    }
    const tz = tzOffset(req.query['tz']);
    const { since, until } = query(() => timeRange(req.query, deps.now(), 30 * 86_400_000));
    const cutoff = deps.visibleAfter();
    const from = cutoff === undefined ? since : Math.max(since ?? cutoff, cutoff);
    res.json({ group_by: group, results: await usageReport(deps.store, deps.prices.table, group, { since: from, until }, tz) });
  });

  api.get('/sessions', async (req, res) => {
    const { since, until, limit } = query(() => sessionsQuery(req.query as Record<string, unknown>, deps.now(), deps.visibleAfter()));
    res.json({ results: await sessionsReport(deps.store, deps.prices.table, { since, until }, limit) });
  });

  api.get('/prices', async (_req, res) => {
    res.json(await pricesView(deps));
  });

  api.put('/prices', async (req, res) => {
    const body: unknown = req.body;
    const raw: unknown = typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>)['overrides'] : undefined;
    if (raw === undefined) throw new BadRequestError('body must be {"overrides": {"MODEL": {"input": 3, "output": 15, …}}} (USD per million tokens)');
    let overrides;
    try {
      overrides = parsePriceOverrides(raw, 'overrides');
    } catch (err) {
      throw new BadRequestError((err as Error).message, err);
    }
    try {
      deps.prices.save(overrides);
    } catch (err) {
      if (err instanceof FixedPriceError) throw userError(409, err.message, err);
      throw err;
    }
    res.json(await pricesView(deps));
  });

  api.get('/export', async (req, res) => {
    const format = String(req.query['format'] ?? 'jsonl');
    if (format !== 'jsonl' && format !== 'ecs' && format !== 'ocsf') throw new BadRequestError(`format must be jsonl, ecs or ocsf, not "${format}"`);
    const { since, until } = query(() => timeRange(req.query, deps.now()));
    const day = new Date(deps.now()).toISOString().slice(0, 10);
    res.writeHead(200, {
      'content-type': 'application/x-ndjson',
      'content-disposition': `attachment; filename="aibridge-${day}${format === 'jsonl' ? '' : `.${format}`}.jsonl"`,
    });
    try {
      await exportRecords(deps.store, { format, since, until, retentionCutoff: deps.visibleAfter(), prices: deps.prices.table, signer: deps.signer }, res);
      res.end();
    } catch {
      res.destroy();
    }
  });

  api.use((_req, _res, next) => next(new NotFoundError('no such admin route')));
  api.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const e = isBodyParserError(err) ? new BadRequestError(`request body is not valid JSON: ${err.message}`, err) : asGatewayError(err);
    sendError(res, 'openai', e);
  });

  const metrics: express.RequestHandler = async (req, res) => {
    if (!isAdmin(req)) {
      sendError(res, 'openai', new AdminAuthError());
      return;
    }
    res.setHeader('content-type', deps.metrics.contentType);
    res.end(await deps.metrics.render());
  };
  return { api, metrics };
}

async function tokenCall<T>(fn: () => T | Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof TokenError || err instanceof ConnectError) throw userError(err.status, err.message, err);
    throw err;
  }
}

function connectClientOf(name: string): ConnectClient {
  if (!isConnectClient(name)) throw new NotFoundError(`unknown client "${name}": claude-code or codex`);
  return name;
}

/** A budget from a request body (SPEC §11); null clears. Its complaint is the caller's 400. */
function budgetBody(raw: unknown): Budget | null {
  try {
    return parseBudget(raw);
  } catch (err) {
    throw new BadRequestError((err as Error).message, err);
  }
}

/** Runs a query parser; its complaint is the caller's 400. */
function query<T>(parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    if (err instanceof QueryError) throw new BadRequestError(err.message, err);
    throw err;
  }
}

function isBodyParserError(err: unknown): err is Error & { type: string } {
  return err instanceof Error && !(err instanceof GatewayError) && typeof (err as { type?: unknown }).type === 'string';
}

/** `tz` = minutes east of UTC (−840…840, default 0): the zone whose calendar days `group_by=day` uses. */
export function tzOffset(v: unknown): number {
  if (v === undefined || v === '') return 0;
  const s = typeof v === 'string' ? v.trim() : '';
  const n = /^[+-]?\d{1,4}$/.test(s) ? Number(s) : NaN;
  if (!Number.isInteger(n) || Math.abs(n) > MAX_TZ_MINUTES) {
    throw new BadRequestError(`tz must be whole minutes east of UTC from -${MAX_TZ_MINUTES} to ${MAX_TZ_MINUTES} (e.g. 60 for UTC+1), not "${typeof v === 'string' ? v : String(v)}"`);
  }
  return n === 0 ? 0 : n;
}

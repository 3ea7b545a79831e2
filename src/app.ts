/**
 * `startApp()`: the whole product in one call, used by `aibridge serve` and by the desktop app.
 * Reads as a list (STYLE.md §2): paths → configuration → stores → logging/metrics → the record
 * fan-out → providers → gateway → retention. No request logic lives here.
 */
import type { AppOptions, ConnectApi, RunningApp } from './app-types.js';
import { PortInUseError } from './app-types.js';
import { appVersion, UI_DIR } from './app-paths.js';
import { parseServeFlags } from './config/flags.js';
import { loadFixedLayer, readConfigPrices } from './config/layers.js';
import { ConfigService } from './config/config.js';
import { SECRET_KEYS, parseOtlpHeaders, type Settings } from './config/schema.js';
import { ensureDataDir, resolveDataDir } from './store/data-dir.js';
import { fileSecretStore } from './store/secrets-file.js';
import { BRIDGE_TOKEN_PATTERN, TOKEN_PREFIX, TokenStore } from './store/tokens.js';
import { connectClient, connectStatusAll, undoConnect, type ConnectClient, type ConnectContext } from './store/connect.js';
import { homedir } from 'node:os';
import { randomBytes } from 'node:crypto';
import { loadAdminToken } from './store/admin-token.js';
import { openInterceptionStore, storeConsumer } from './store/interceptions/index.js';
import { exportToFile } from './store/export.js';
import { openPriceSettings } from './store/prices-file.js';
import { recordCost, sumsPricer, type PriceLookup } from './record/cost.js';
import { createBudgets } from './gateway/budgets.js';
import { startRetention, visibleCutoff } from './store/retention.js';
import { writeRetentionState } from './store/retention-state.js';
import { loadChainKey } from './store/chain-key.js';
import { ed25519Signer, type ChainSigner } from './record/chain.js';
import { createRecordFanout } from './record/fanout.js';
import { createRedactor, type KnownSecret } from './record/redaction.js';
import { createTodayTotals } from './record/today.js';
import { createFieldCap } from './record/field-cap.js';
import { createLogger } from './gateway/log.js';
import { createMetrics } from './gateway/metrics.js';
import { createLiveFeed } from './gateway/live-feed.js';
import { createUpstreamPool } from './gateway/upstream/http.js';
import { createProviders, validateProviderSettings } from './gateway/providers/index.js';
import { createGateway } from './gateway/server.js';
import { isWildcardHost, listenWarning } from './gateway/http/host-check.js';
import { createBodyBudget } from './gateway/http/body-budget.js';
import { createOverloadGuard } from './gateway/overload/index.js';
import { createSecretGuard } from './gateway/secret-guard.js';
import { statusOf } from './gateway/status.js';
import { createTelemetry } from './gateway/telemetry/index.js';

export async function startApp(opts: AppOptions = {}): Promise<RunningApp> {
  // The AWS SDK warns on stderr at first use under Node 20 that *future* SDK releases need Node 22.
  // Our lockfile pins the SDK, so it is noise for users — and it would break `--log-json
  // /dev/stderr`, where every line must be JSON.
  process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';
  const env = opts.env ?? process.env;
  const now = opts.now ?? Date.now;
  const flags = parseServeFlags(opts.argv ?? []);
  const dataDir = ensureDataDir(opts.dataDir ?? resolveDataDir(flags.dataDir, env));

  // Configuration: flags > env > YAML > dashboard > defaults.
  const configFile = flags.config ?? (env['AIBRIDGE_CONFIG'] || undefined);
  const fixed = loadFixedLayer({ flags: flags.settings, env, configFile });
  const secrets = opts.secrets ?? fileSecretStore(dataDir);
  const early: string[] = [];
  // Warnings go to `early` until the logger exists, then to the log (a switch that cannot be saved).
  let configWarn = (m: string): unknown => early.push(m);
  const config = new ConfigService(dataDir, fixed, secrets, [validateProviderSettings], (m) => configWarn(m));
  const settings = () => config.get();
  writeRetentionState(dataDir, settings().retention);
  config.onChange((s) => writeRetentionState(dataDir, s.retention));

  // The key that signs the log chain's checkpoints (SPEC §13); a key that cannot be read leaves
  // the lines chained but unsigned, and says so, rather than stop the gateway.
  let signer: ChainSigner | undefined;
  try {
    const key = loadChainKey(dataDir, secrets);
    signer = ed25519Signer(key.privateKey);
    if (key.warning) early.push(key.warning);
  } catch (err) {
    early.push(`log chain checkpoints are not signed: ${(err as Error).message}`);
  }

  // Prices (SPEC §11): the bundled catalog, the config file's `prices:` over the saved overrides.
  // The catalog module loads while the store opens; a bad `prices:` already threw here.
  const pricesLoading = openPriceSettings({ dataDir, fixed: readConfigPrices(configFile), fixedOrigin: configFile, warn: (m) => early.push(m) });
  pricesLoading.catch(() => undefined); // awaited below; not an unhandled rejection meanwhile

  // Logging first: everything below reports through it.
  const priceLookup: PriceLookup = { lookup: (p, m, at) => prices.table.lookup(p, m, at), forModel: (p, m) => prices.table.forModel(p, m) };
  const logging = createLogger({ logJson: settings().log_json, structured: () => settings().structured_logging, now, signer, prices: priceLookup, checkpointIntervalMs: testCheckpointInterval(env) });
  const log = logging.logger;
  for (const m of early) log.warn(m);
  configWarn = (m) => log.warn(m);

  // Stores.
  const store = await openInterceptionStore({ dir: dataDir, now, logger: log });
  const prices = await pricesLoading;
  const tokens = new TokenStore(dataDir, { now, watch: true, warn: (m) => log.warn(m), info: (m) => log.info(m) });
  const adminToken = adminTokenOrTemporary(dataDir, env, (m) => log.warn(m));

  // Every begun and finished record goes through this one fan-out (src/record/fanout.ts):
  // transforms, then the store in the same turn, then the batched consumers a moment later.
  const metrics = createMetrics();
  const live = createLiveFeed();
  const telemetry = createTelemetry({ settings, onSettingsChange: (fn) => config.onChange(fn), env, version: appVersion(), logger: log, metrics, costOf: (rec) => recordCost(rec, prices.table).usd });
  const today = await createTodayTotals({
    now,
    seed: async (since) => (await store.usage({ since }, () => 'today', sumsPricer(prices.table))).get('today'),
    cost: (rec) => recordCost(rec, prices.table).usd,
  });
  // Budgets (SPEC §11): each token's spend this day and month, kept by an immediate consumer.
  const budgets = await createBudgets({ store, tokens, prices: prices.table, now, log, onAlert: (a) => live.budgetAlert(a) });
  // An override re-prices history: today's cost and the month's spend are read again.
  prices.onChange(() => {
    void today.reseed();
    void budgets.ledger.reseed();
  });
  // Secret redaction first (SPEC §12): nothing after it sees a secret, our own keys and tokens never.
  // The rule set is imported here, not at the top: CLI commands that import this module never load it.
  const { createSecretScanner } = await import('./record/secret-rules.js');
  let knownFor: Settings | undefined;
  let known: KnownSecret[] = [];
  const redactor = createRedactor({
    scanner: createSecretScanner(),
    enabled: () => settings().redact_secrets,
    known: () => {
      // Built once per settings object (a new one comes with every change), not once per record.
      const s = settings();
      if (s !== knownFor) known = knownSecrets((knownFor = s), adminToken);
      return known;
    },
    candidates: [{ rule: 'bridge-token', pattern: BRIDGE_TOKEN_PATTERN, hint: TOKEN_PREFIX, accept: (t) => tokens.isActive(t) }],
  });
  // Ordinary log lines too (an upstream or collector error echoing a key into a warn line).
  logging.setScrub((line) => redactor.scrub(line));
  const records = createRecordFanout({
    logger: log,
    // Redaction first (nothing after it sees a secret), then the field cap: every consumer
    // (store, log, live feed, export, telemetry) sees redacted, capped text.
    transforms: [redactor.transform, createFieldCap(() => settings().max_stored_field)],
    consumers: [storeConsumer(store), budgets.ledger.records, logging.recordLog, metrics.records, live.records, today.records, telemetry.records, ...(opts.recordConsumers ?? [])],
  });

  // Providers and what stands in front of them.
  const pool = createUpstreamPool();
  const providers = createProviders(settings, pool);
  const overload = createOverloadGuard({
    settings,
    now,
    onCircuitState: (key, state) => {
      metrics.setCircuitState(key, state);
      const msg = `upstream circuit ${key} is ${state.replace('_', '-')}`;
      if (state === 'open') log.warn({ circuit: key, state }, msg);
      else log.info({ circuit: key, state }, msg);
    },
    onRejected: (reason) => metrics.rejected(reason),
    modelForKey: (model) => redactor.ownSecretsOut(model),
  });

  let listenUrl = '';
  let stopping = false;
  // Said once at start, kept in the status for the dashboard (issue #13).
  const startWarnings: string[] = [];
  const setEnabled = async (on: boolean) => {
    config.setEnabled(on);
    log.info({ enabled: on }, on ? 'bridge enabled' : 'bridge disabled');
    live.bridge(on);
  };
  const visibleAfter = () => visibleCutoff(now(), settings().retention);
  const status = () =>
    statusOf({
      settings,
      version: appVersion(),
      listenUrl: () => listenUrl,
      storeHealth: () => store.health(),
      providers: () => providers.status(),
      today: () => today.usage(),
      todayCost: () => today.costUsd(),
      inFlight: () => today.inFlight(),
      budgetAlerts: () => budgets.ledger.alerts(),
      overload: () => overload.snapshot(),
      secretStorage: secrets.kind,
      // Its error text quotes the collector, which may echo a header value: scrubbed like a log line.
      telemetry: () => redactor.scrub(telemetry.status()),
      warnings: () => {
        const h = store.health();
        const out = [...startWarnings, ...(secrets.problems?.() ?? [])];
        if (!h.ok) out.push(`recording fails: ${h.error} — records are kept in memory and written when the disk takes them again; the gateway keeps proxying`);
        return out;
      },
    });

  // One-click client setup (SPEC §16) for the dashboard and the tray: this bridge's own URL.
  const connectCtx = (): ConnectContext => ({
    dataDir,
    home: opts.connectHome ?? homedir(),
    codexHome: opts.connectHome === undefined && env['CODEX_HOME'] ? env['CODEX_HOME'] : undefined,
    bridgeUrl: listenUrl.replace('//0.0.0.0:', '//127.0.0.1:').replace('//[::]:', '//127.0.0.1:'),
    tokens,
    now,
  });
  const connect: ConnectApi = {
    status: () => connectStatusAll(connectCtx()),
    connect: (client: ConnectClient, tokenName?: string) => connectClient(connectCtx(), client, { tokenName }),
    undo: (client: ConnectClient) => undoConnect(connectCtx(), client),
  };

  let lastDropWarning = -Infinity;
  const gateway = createGateway({
    settings,
    settle: () => records.settle(),
    uiDir: UI_DIR,
    health: () => {
      const h = store.health();
      return h.ok ? { ok: true } : { ok: false, status: 'degraded', error: `recording fails: ${h.error}` };
    },
    onError: (err) => log.error({ err }, 'unexpected gateway error'),
    onConnectionDropped: () => {
      // Once a minute at most: a flood of refused connections must not flood the log too.
      if (now() - lastDropWarning < 60_000) return;
      lastDropWarning = now();
      log.warn({ max_connections: settings().max_connections }, `connection refused: ${settings().max_connections} connections are open (--max-connections)`);
    },
    providers: {
      settings,
      tokens,
      pool,
      adapters: providers.adapters,
      // After the bridge token, before the body; a budget gate goes before the concurrency slot.
      gates: [budgets.gate, overload.gate],
      overload,
      secrets: createSecretGuard({ enabled: () => settings().block_secrets, firstSecret: redactor.firstSecret, onRejected: (reason) => metrics.rejected(reason) }),
      pipeline: { sink: records, now, warn: (obj, msg) => log.warn(obj, msg), stopping: () => stopping, maxStoredField: () => settings().max_stored_field },
      // Request bodies held at once, across calls (max_body_memory); more wait for room.
      bodyBudget: createBodyBudget(() => settings().max_body_memory),
      rejected: (reason) => metrics.rejected(reason),
    },
    admin: { adminToken, status, setEnabled, config, tokens, store, metrics, events: live, now, visibleAfter, testProvider: (name) => providers.test(name), connect, prices, signer, spend: (id) => budgets.ledger.spend(id) },
  });

  const s0 = settings();
  const port = opts.port ?? s0.port;
  let bound: { port: number; host: string };
  try {
    bound = await gateway.listen(port, s0.host);
  } catch (err) {
    tokens.close();
    await store.close();
    await logging.close();
    await pool.close();
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') throw new PortInUseError(s0.host, port);
    throw err;
  }
  config.onChange((s) => (gateway.server.maxConnections = s.max_connections));
  const hostForUrl = bound.host.includes(':') ? `[${bound.host}]` : bound.host;
  listenUrl = `http://${hostForUrl}:${bound.port}`;
  // A wildcard address is no address a browser may open (and the Host guard refuses it): the
  // login URL goes through loopback.
  const loginBase = isWildcardHost(bound.host) ? `http://127.0.0.1:${bound.port}` : listenUrl;
  const exposed = listenWarning(bound.host, s0.allow_remote_admin);
  if (exposed) {
    log.warn({ host: bound.host, allow_remote_admin: s0.allow_remote_admin }, exposed);
    startWarnings.push(exposed);
  }

  // undici loads at the first upstream call (src/gateway/upstream/http.ts), not before listening
  // (issue #18); a moment after start it is loaded anyway, so the first call does not wait for it.
  const warmUpstream = setTimeout(() => pool.dispatcher, 500);
  warmUpstream.unref();

  const retention = startRetention({
    store,
    retentionMs: () => settings().retention,
    contentRetentionMs: () => settings().content_retention,
    now,
    logger: log,
    metrics,
    intervalMs: opts.retentionIntervalMs,
  });

  let closing: Promise<void> | undefined;
  return {
    url: listenUrl,
    port: bound.port,
    adminToken,
    loginUrl: `${loginBase}/ui/#token=${adminToken}`,
    logJson: s0.log_json,
    log: (level, msg, fields) => log[level](fields ?? {}, msg),
    isEnabled: () => settings().enabled,
    setEnabled,
    onChange: (listener) => live.onChange(listener),
    stats: () => {
      records.settle();
      return { requestsToday: today.usage().requests, inFlight: today.inFlight(), costToday: today.costUsd() };
    },
    onBudgetAlert: (listener) => {
      live.on('budget_alert', listener);
      return () => live.off('budget_alert', listener);
    },
    connect,
    exportTo: (file, o) => exportToFile(store, { ...o, retentionCutoff: visibleAfter(), prices: prices.table, signer }, file),
    close() {
      closing ??= (async () => {
        stopping = true;
        clearTimeout(warmUpstream);
        await retention.stop();
        await gateway.close();
        await records.close();
        tokens.close();
        await store.close();
        await pool.close();
        await logging.close();
      })();
      return closing;
    },
  };
}

/**
 * The admin token; when it cannot be saved (a full or read-only disk, issue #13) this run uses one
 * kept in memory rather than not start, and says so: `aibridge admin-token` does not know it.
 */
/**
 * Test-only (docs/logging.md): `AIBRIDGE_TEST_CHECKPOINT_INTERVAL_MS` shortens the 60 s checkpoint
 * timer so a whole-process test sees it fire without waiting a minute. Only shorter: SPEC §13 asks
 * for a checkpoint at least every 60 s, so anything else (unset, not a number, ≥ 60 s) is 60 s.
 */
function testCheckpointInterval(env: NodeJS.ProcessEnv): number | undefined {
  const ms = Number(env['AIBRIDGE_TEST_CHECKPOINT_INTERVAL_MS']);
  return Number.isInteger(ms) && ms >= 100 && ms < 60_000 ? ms : undefined;
}

function adminTokenOrTemporary(dataDir: string, env: NodeJS.ProcessEnv, warn: (msg: string) => void): string {
  try {
    return loadAdminToken(dataDir, env);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (!code || code === 'ENOENT' || code === 'EISDIR') throw err;
    warn(`the admin token could not be saved (${code}): this run uses a temporary one, in the login URL it prints; set AIBRIDGE_ADMIN_TOKEN to keep one`);
    return 'abadm_' + randomBytes(24).toString('base64url');
  }
}

const PROVIDER_KEYS: ReadonlySet<string> = new Set(['openai_key', 'anthropic_key', 'bedrock_access_key', 'bedrock_access_key_secret']);

/**
 * The gateway's own secrets by value: every secret setting that is set, and the admin token. The
 * OTLP headers also by each value (a collector that rejects a token quotes the value, not `k=v,…`).
 */
function knownSecrets(s: Settings, adminToken: string): KnownSecret[] {
  const out: KnownSecret[] = [{ rule: 'admin-token', value: adminToken }];
  for (const k of SECRET_KEYS) {
    const v = s[k];
    if (typeof v === 'string' && v) out.push({ rule: PROVIDER_KEYS.has(k) ? 'provider-key' : 'configured-secret', value: v });
  }
  if (s.otlp_headers) {
    for (const v of Object.values(parseOtlpHeaders(s.otlp_headers) ?? {})) {
      out.push({ rule: 'configured-secret', value: v });
      // `Bearer abc…`: the credential alone is quoted too
      const cred = /^\S+\s+(\S.*)$/.exec(v)?.[1];
      if (cred) out.push({ rule: 'configured-secret', value: cred });
    }
  }
  return out;
}

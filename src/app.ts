/**
 * `startApp()`: the whole product in one call, used by `aibridge serve` and by the desktop app.
 * Reads as a list (STYLE.md §2): paths → configuration → stores → logging/metrics → the record
 * fan-out → providers → gateway → retention. No request logic lives here: each step is its own
 * module's (how it listens and stops: src/app-lifecycle.ts).
 */
import type { AppOptions, RunningApp } from './app-types.js';
import { appVersion, UI_DIR } from './app-paths.js';
import { inOrderOnce, listenOrClose, type Listening } from './app-lifecycle.js';
import { parseServeFlags } from './config/flags.js';
import { loadFixedLayer, readConfigPrices } from './config/layers.js';
import { ConfigService } from './config/config.js';
import { ensureDataDir, resolveDataDir } from './store/data-dir.js';
import { fileSecretStore } from './store/secrets-file.js';
import { TokenStore } from './store/tokens.js';
import { connectApi } from './store/connect.js';
import { homedir } from 'node:os';
import { adminTokenOrTemporary } from './store/admin-token.js';
import { openInterceptionStore, storeConsumer } from './store/interceptions/index.js';
import { exportToFile } from './store/export.js';
import { openPriceSettings } from './store/prices-file.js';
import { recordCost, type PriceLookup } from './record/cost.js';
import { startRetention, visibleCutoff } from './store/retention.js';
import { writeRetentionState } from './store/retention-state.js';
import { loadChainSigner } from './store/chain-key.js';
import { createRecordFanout } from './record/fanout.js';
import { createFieldCap } from './record/field-cap.js';
import { createLogger, testCheckpointInterval } from './gateway/log.js';
import { createMetrics } from './gateway/metrics.js';
import { createLiveFeed } from './gateway/live-feed.js';
import { createUpstreamPool } from './gateway/upstream/http.js';
import { createProviders, validateProviderSettings } from './gateway/providers/index.js';
import { connectionDropWarning, createGateway } from './gateway/server.js';
import { listenWarning } from './gateway/http/host-check.js';
import { createBodyBudget } from './gateway/http/body-budget.js';
import { createOverloadGuard, reportCircuitState } from './gateway/overload/index.js';
import { createSecretGuard } from './gateway/secret-guard.js';
import { createGatewayRedactor } from './gateway/redactor.js';
import { createSpend } from './gateway/spend.js';
import { healthOf, statusOf } from './gateway/status.js';
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

  // The key that signs the log chain's checkpoints (SPEC §13).
  const signer = loadChainSigner(dataDir, secrets, (m) => early.push(m));
  // Prices (SPEC §11): the bundled catalog, the config file's `prices:` over the saved overrides.
  // The catalog module loads while the store opens; a bad `prices:` already threw here.
  const pricesLoading = openPriceSettings({ dataDir, fixed: readConfigPrices(configFile), fixedOrigin: configFile, warn: (m) => early.push(m) });
  pricesLoading.catch(() => undefined); // awaited below; not an unhandled rejection meanwhile

  // Logging first: everything below reports through it.
  const priceLookup: PriceLookup = {
    lookup: (p, m, at) => prices.table.lookup(p, m, at),
    forModel: (p, m) => prices.table.forModel(p, m),
    // The table's own memo: the log line and the other consumers price a record once between them.
    get kept() {
      return prices.table.kept;
    },
  };
  const logging = createLogger({ logJson: settings().log_json, structured: () => settings().structured_logging, now, signer, prices: priceLookup, checkpointIntervalMs: testCheckpointInterval(env) });
  const log = logging.logger;
  for (const m of early) log.warn(m);
  configWarn = (m) => log.warn(m);

  // Stores.
  // Test-only (docs/search.md): AIBRIDGE_TEST_SEARCH_INDEX_DELAY_MS holds the index build back, so a
  // browser test sees the dashboard while the index is still being built.
  const indexDelay = Number(env['AIBRIDGE_TEST_SEARCH_INDEX_DELAY_MS']);
  const store = await openInterceptionStore({ dir: dataDir, now, logger: log, searchIndexDelayMs: Number.isInteger(indexDelay) && indexDelay > 0 ? indexDelay : undefined });
  const prices = await pricesLoading;
  const tokens = new TokenStore(dataDir, { now, watch: true, warn: (m) => log.warn(m), info: (m) => log.info(m) });
  const adminToken = adminTokenOrTemporary(dataDir, env, (m) => log.warn(m));

  // Every begun and finished record goes through this one fan-out (src/record/fanout.ts):
  // transforms, then the store in the same turn, then the batched consumers a moment later.
  const metrics = createMetrics();
  const live = createLiveFeed();
  const telemetry = createTelemetry({ settings, onSettingsChange: (fn) => config.onChange(fn), env, version: appVersion(), logger: log, metrics, costOf: (rec) => recordCost(rec, prices.table).usd });
  // Today's totals and budgets (SPEC §11), re-read when a price override re-prices history.
  const { today, budgets } = await createSpend({ store, tokens, prices, now, log, onAlert: (a) => live.budgetAlert(a) });
  // Secret redaction first (SPEC §12): nothing after it sees a secret, our own keys and tokens never.
  const redactor = await createGatewayRedactor({ settings, adminToken, tokens });
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
    onCircuitState: reportCircuitState(metrics, log),
    onRejected: (reason) => metrics.rejected(reason),
    modelForKey: (model) => redactor.ownSecretsOut(model),
  });

  let listening: Listening | undefined; // once listening
  let stopping = false;
  const startWarnings: string[] = []; // said once at start, kept in the status for the dashboard
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
      listenUrl: () => listening?.url ?? '',
      store,
      providers,
      today,
      budgets: budgets.ledger,
      overload,
      secretStorage: secrets.kind,
      // Its error text quotes the collector, which may echo a header value: scrubbed like a log line.
      telemetry: () => redactor.scrub(telemetry.status()),
      startWarnings,
      secretProblems: () => secrets.problems?.() ?? [],
    });
  // One-click client setup (SPEC §16) for the dashboard and the tray: this bridge's own URL.
  const codexHome = opts.connectHome === undefined && env['CODEX_HOME'] ? env['CODEX_HOME'] : undefined;
  const connect = connectApi({ dataDir, home: opts.connectHome ?? homedir(), codexHome, tokens, now }, () => listening?.loginBase ?? '');

  const gateway = createGateway({
    settings,
    settle: () => records.settle(),
    uiDir: UI_DIR,
    health: () => healthOf(store.health()),
    onError: (err) => log.error({ err }, 'unexpected gateway error'),
    onConnectionDropped: connectionDropWarning(settings, now, (obj, msg) => log.warn(obj, msg)),
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
  const bound = await listenOrClose(gateway, opts.port ?? s0.port, s0.host, inOrderOnce([() => tokens.close(), () => store.close(), () => logging.close(), () => pool.close()]));
  config.onChange((s) => (gateway.server.maxConnections = s.max_connections));
  listening = bound;
  const exposed = listenWarning(bound.host, s0.allow_remote_admin);
  if (exposed) {
    log.warn({ host: bound.host, allow_remote_admin: s0.allow_remote_admin }, exposed);
    startWarnings.push(exposed);
  }

  // undici loads at the first upstream call (src/gateway/upstream/http.ts), not before listening
  // (issue #18); a moment after start it is loaded anyway, so the first call does not wait for it.
  const warmUpstream = setTimeout(() => pool.dispatcher, 500);
  warmUpstream.unref();
  const retention = startRetention({ store, retentionMs: () => settings().retention, contentRetentionMs: () => settings().content_retention, now, logger: log, metrics, intervalMs: opts.retentionIntervalMs });

  return {
    url: bound.url,
    port: bound.port,
    adminToken,
    loginUrl: `${bound.loginBase}/ui/#token=${adminToken}`,
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
    // In-flight calls end `interrupted`; the store, the log and the pool are flushed and closed.
    close: inOrderOnce([
      () => (stopping = true),
      () => clearTimeout(warmUpstream),
      () => retention.stop(),
      () => gateway.close(),
      () => records.close(),
      () => tokens.close(),
      () => store.close(),
      () => pool.close(),
      () => logging.close(),
    ]),
  };
}

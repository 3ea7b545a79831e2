/**
 * `startApp()`: the whole product in one call, used by `aibridge serve` and by the desktop app.
 * Reads as a list (STYLE.md §2): paths → configuration → stores → logging/metrics → providers →
 * gateway → retention.
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';
import type { AppOptions, RunningApp } from './app-types.js';
import { PortInUseError } from './app-types.js';
import { parseServeFlags } from './config/flags.js';
import { loadFixedLayer } from './config/layers.js';
import { ConfigService } from './config/config.js';
import { ensureDataDir, resolveDataDir } from './store/data-dir.js';
import { fileSecretStore } from './store/secrets-file.js';
import { TokenStore } from './store/tokens.js';
import { loadAdminToken } from './store/admin-token.js';
import { openInterceptionStore, storeConsumer } from './store/interceptions/index.js';
import { exportRecords } from './store/export.js';
import { startRetention, visibleCutoff } from './store/retention.js';
import { writeRetentionState } from './store/retention-state.js';
import { createLogger } from './gateway/log.js';
import { createMetrics } from './gateway/metrics.js';
import { createUpstreamPool } from './gateway/upstream/http.js';
import { createAnthropicAdapter } from './gateway/providers/anthropic/adapter.js';
import { createOpenAIAdapters } from './gateway/providers/openai/adapter.js';
import {
  bedrockConfigured,
  createBedrockMessagesAdapter,
  createBedrockNativeAdapter,
  validateBedrockConfig,
  type BedrockConfig,
} from './gateway/providers/bedrock/index.js';
import type { HttpProviderConfig } from './gateway/providers/http-adapter.js';
import { createGateway } from './gateway/server.js';
import { createOverloadGuard } from './gateway/overload/index.js';
import { createRecordFanout } from './record/fanout.js';
import { createTodayTotals } from './record/today.js';
import { createLiveFeed } from './gateway/live-feed.js';
import type { Settings } from './config/schema.js';
import { testProvider } from './gateway/providers/test-connection.js';

const here = dirname(fileURLToPath(import.meta.url));
/** dist/src/app.js → dist/ui; src/app.ts (tsx) → dist/ui too. */
const UI_DIR = join(here, '..', here.endsWith(join('dist', 'src')) ? 'ui' : join('dist', 'ui'));

export function appVersion(): string {
  for (const p of [join(here, '..', 'package.json'), join(here, '..', '..', 'package.json')]) {
    try {
      const v = (JSON.parse(readFileSync(p, 'utf8')) as { version?: string }).version;
      if (v) return v;
    } catch {
      // try the next layout
    }
  }
  return '0.0.0';
}

export function bedrockSettings(s: Settings): BedrockConfig {
  return {
    region: s.bedrock_region,
    accessKey: s.bedrock_access_key,
    accessKeySecret: s.bedrock_access_key_secret,
    model: s.bedrock_model,
    smallFastModel: s.bedrock_small_fast_model,
    baseUrl: s.bedrock_base_url,
  };
}

export async function startApp(opts: AppOptions = {}): Promise<RunningApp> {
  // The AWS SDK warns on stderr at first use under Node 20 that *future* SDK releases need Node 22.
  // Our lockfile pins the SDK, so it is noise for users — and it would break `--log-json
  // /dev/stderr`, where every line must be JSON.
  process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';
  const env = opts.env ?? process.env;
  const now = opts.now ?? Date.now;
  const flags = parseServeFlags(opts.argv ?? []);
  const dataDir = ensureDataDir(opts.dataDir ?? resolveDataDir(flags.dataDir, env));

  const fixed = loadFixedLayer({ flags: flags.settings, env, configFile: flags.config ?? (env['AIBRIDGE_CONFIG'] || undefined) });
  const secrets = opts.secrets ?? fileSecretStore(dataDir);
  const early: string[] = [];
  const config = new ConfigService(dataDir, fixed, secrets, [(s) => validateBedrockConfig(bedrockSettings(s))], (m) => early.push(m));
  const settings = () => config.get();
  const initial = settings();
  writeRetentionState(dataDir, initial.retention);
  config.onChange((s) => writeRetentionState(dataDir, s.retention));

  const logging = createLogger({ logJson: initial.log_json, structured: () => settings().structured_logging, now });
  const log = logging.logger;
  for (const m of early) log.warn(m);

  const store = await openInterceptionStore({ dir: dataDir, now, logger: log });
  const tokens = new TokenStore(dataDir, { now, watch: true });
  const adminToken = loadAdminToken(dataDir, env);
  const metrics = createMetrics();
  const live = createLiveFeed();
  const today = await createTodayTotals({ now, seed: async (since) => (await store.usage({ since }, () => 'today')).get('today') });

  // Every begun and finished record goes through this one fan-out (src/record/fanout.ts; order:
  // transforms, then the store in the same turn, then the batched consumers a moment later).
  const records = createRecordFanout({
    logger: log,
    transforms: [],
    consumers: [
      storeConsumer(store),
      logging.recordLog,
      metrics.records,
      live.records,
      today.records,
      ...(opts.recordConsumers ?? []),
    ],
  });

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
  });

  const pool = createUpstreamPool();
  const http = (provider: 'anthropic' | 'openai'): HttpProviderConfig => {
    const s = settings();
    return {
      baseUrl: provider === 'anthropic' ? s.anthropic_base_url : s.openai_base_url,
      key: provider === 'anthropic' ? s.anthropic_key : s.openai_key,
      headersTimeoutMs: s.upstream_timeout,
      bodyTimeoutMs: s.stream_idle_timeout,
    };
  };
  const anthropic = createAnthropicAdapter(pool, () => http('anthropic'));
  const openai = createOpenAIAdapters(pool, () => http('openai'));
  const bedrockCfg = () => bedrockSettings(settings());
  const bedrockOpts = {
    get timeoutMs() {
      return settings().upstream_timeout;
    },
    get idleTimeoutMs() {
      return settings().stream_idle_timeout;
    },
  };
  const bedrockMessages = createBedrockMessagesAdapter(bedrockCfg, bedrockOpts);
  const bedrockNative = createBedrockNativeAdapter(bedrockCfg, bedrockOpts);

  let listenUrl = '';
  let stopping = false;
  const setEnabled = async (on: boolean) => {
    config.setEnabled(on);
    log.info({ enabled: on }, on ? 'bridge enabled' : 'bridge disabled');
    live.bridge(on);
  };
  const storeHealth = () => store.health();
  const status = () => {
    const s = settings();
    const anthropicVia = s.anthropic_key ? 'anthropic' : bedrockConfigured(bedrockCfg()) ? 'bedrock' : null;
    return {
      enabled: s.enabled,
      version: appVersion(),
      listen: listenUrl,
      health: { ok: storeHealth().ok, store: storeHealth() },
      providers: [
        { name: 'anthropic', type: 'anthropic', configured: anthropicVia !== null, via: anthropicVia },
        { name: 'openai', type: 'openai', configured: Boolean(s.openai_key) },
        { name: 'bedrock', type: 'bedrock', configured: bedrockConfigured(bedrockCfg()) },
      ],
      endpoints: { anthropic: `${listenUrl}/anthropic`, openai: `${listenUrl}/openai/v1`, bedrock: `${listenUrl}/bedrock` },
      today: today.usage(),
      in_flight: today.inFlight(),
      overload: overload.snapshot(),
      secret_storage: secrets.kind,
    };
  };
  const visibleAfter = () => visibleCutoff(now(), settings().retention);

  const gateway = createGateway({
    settings,
    settle: () => records.settle(),
    uiDir: UI_DIR,
    health: () => {
      const h = storeHealth();
      return h.ok ? { ok: true } : { ok: false, status: 'degraded', error: `recording fails: ${h.error}` };
    },
    onError: (err) => log.error({ err }, 'unexpected gateway error'),
    providers: {
      settings,
      tokens,
      pool,
      adapters: {
        messages: () => (settings().anthropic_key || !bedrockConfigured(bedrockCfg()) ? anthropic : bedrockMessages),
        openaiChat: openai.chat,
        openaiResponses: openai.responses,
        bedrockNative,
        http,
      },
      pipeline: { sink: records, now, warn: (obj, msg) => log.warn(obj, msg), stopping: () => stopping },
      rejected: (reason) => metrics.rejected(reason),
      overload,
    },
    admin: {
      adminToken,
      status,
      setEnabled,
      config,
      tokens,
      store,
      metrics,
      events: live,
      now,
      visibleAfter,
      testProvider: (name) => testProvider(name, { http, bedrock: bedrockCfg, pool }),
    },
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
  const hostForUrl = bound.host.includes(':') ? `[${bound.host}]` : bound.host;
  listenUrl = `http://${hostForUrl}:${bound.port}`;

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
    loginUrl: `${listenUrl}/ui/#token=${adminToken}`,
    isEnabled: () => settings().enabled,
    setEnabled,
    onChange: (listener) => live.onChange(listener),
    stats: () => {
      records.settle();
      return { requestsToday: today.usage().requests, inFlight: today.inFlight() };
    },
    async exportTo(file, o) {
      const out = createWriteStream(file, { mode: 0o600 });
      await once(out, 'open');
      try {
        const n = await exportRecords(store, { ...o, retentionCutoff: visibleAfter() }, out);
        out.end();
        await once(out, 'finish');
        return n;
      } catch (err) {
        out.destroy();
        throw err;
      }
    },
    close() {
      closing ??= (async () => {
        stopping = true;
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

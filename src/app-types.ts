/**
 * The one entry point both shells use: `aibridge serve` (src/cli.ts) and the Electron main process
 * (electron/main.ts) call `startApp()` from src/app.ts and get a {@link RunningApp}.
 */
import type { RecordConsumer } from './record/fanout.js';
import type { ConnectApi } from './store/connect.js';
import type { BudgetAlert } from './record/budgets.js';

/** Where provider secrets live. Headless: a 0600 JSON file. Desktop: Electron safeStorage. */
export interface SecretStore {
  /** 'file' (0600 file in the data dir) or 'os-encrypted' (Electron safeStorage). */
  readonly kind: 'file' | 'os-encrypted';
  get(name: string): string | undefined;
  /** Stores (or with undefined, deletes) a secret. Throws if it cannot be stored safely. */
  set(name: string, value: string | undefined): void;
  /** What the owner should know about stored keys now (one cannot be decrypted, keys still in clear). */
  problems?(): string[];
}

export interface AppOptions {
  /** Command-line flags after `serve` (same names as SPEC §3). */
  argv?: string[];
  /** Defaults to process.env. */
  env?: NodeJS.ProcessEnv;
  /** Overrides --data-dir / AIBRIDGE_DATA_DIR / the OS default. */
  dataDir?: string;
  /** Overrides the listen port (0 = any free port, for tests). */
  port?: number;
  /** Defaults to the 0600 file store in the data dir. */
  secrets?: SecretStore;
  /** Defaults to Date.now; tests pass a controllable clock. */
  now?: () => number;
  /** Time between retention purges (SPEC §8: 10 minutes, the default). Tests shorten it. */
  retentionIntervalMs?: number;
  /** Home folder whose client configuration `connect` edits (SPEC §16); default the user's. Tests. */
  connectHome?: string;
  /** Consumers of finished records added after the built-in ones (embedders, tests). */
  recordConsumers?: RecordConsumer[];
}

export interface ExportOptions {
  format: 'jsonl' | 'ecs' | 'ocsf';
  /** ms since epoch, inclusive; undefined = from the start. */
  since?: number;
  /** ms since epoch, exclusive; undefined = until now. */
  until?: number;
}

export interface RunningApp {
  /** e.g. http://127.0.0.1:8642 */
  readonly url: string;
  readonly port: number;
  readonly adminToken: string;
  /** `${url}/ui/#token=${adminToken}` */
  readonly loginUrl: string;
  /** The `--log-json` destination in effect (undefined: human lines on stderr). */
  readonly logJson: string | undefined;
  /** Writes an ordinary log line: JSON in the `--log-json` destination, human on stderr. */
  log(level: 'info' | 'warn', msg: string, fields?: Record<string, unknown>): void;
  isEnabled(): boolean;
  /** Same code path as `PUT /api/v1/bridge`: takes effect at once and persists. */
  setEnabled(on: boolean): Promise<void>;
  /** Subscribe to state changes (bridge toggled, interception finished). Returns unsubscribe. */
  onChange(listener: () => void): () => void;
  /** `costToday`: USD of today's calls at the current prices (SPEC §11; the tray shows it). */
  stats(): { requestsToday: number; inFlight: number; costToday: number };
  /** Subscribe to budget alerts (SPEC §11: the tray's desktop notification). Returns unsubscribe. */
  onBudgetAlert(listener: (a: BudgetAlert) => void): () => void;
  /** `aibridge connect` for this gateway (the same calls as `/api/v1/connect`). */
  readonly connect: ConnectApi;
  /** Writes stored records as log lines (SPEC §7) to a file; returns the number of lines. */
  exportTo(file: string, opts: ExportOptions): Promise<number>;
  /** Stops accepting requests, lets in-flight ones end as `interrupted`… and flushes the store. */
  close(): Promise<void>;
}

/** Thrown by startApp when the port is taken, so the desktop shell can offer another. */
export class PortInUseError extends Error {
  readonly code = 'EADDRINUSE';
  constructor(readonly host: string, readonly port: number) {
    super(`port ${port} on ${host} is already in use`);
    this.name = 'PortInUseError';
  }
}

/**
 * The live configuration: fixed layers (flags > env > file, src/config/layers.ts) over the
 * settings saved from the dashboard (`settings.json` via lowdb, secrets through the SecretStore)
 * over defaults. A setting fixed by flag or environment is read-only in the dashboard (SPEC §3);
 * `enabled` never is: flag/env set it at start-up, the toggle changes and persists it.
 */
import { join } from 'node:path';
import { LowSync } from 'lowdb';
import type { SecretStore } from '../app-types.js';
import { privateJsonFile } from '../store/private-file.js';
import type { FixedLayer, Source } from './layers.js';
import {
  ConfigError,
  SECRET_KEYS,
  SETTINGS,
  SETTING_KEYS,
  STARTUP_ONLY_KEYS,
  envName,
  flagName,
  isSettingKey,
  parseSetting,
  showSetting,
  type SettingKey,
  type SettingValue,
  type Settings,
} from './schema.js';

/** Checks of the whole configuration (e.g. Bedrock needs both keys or neither). */
export type ConfigCheck = (s: Settings) => string | null;

export class SettingsPatchError extends Error {
  constructor(
    message: string,
    readonly status: 400 | 409 | 503,
    readonly setting: string,
  ) {
    super(message);
    this.name = 'SettingsPatchError';
  }
}

export class ConfigService {
  private readonly db: LowSync<Record<string, unknown>>;
  private cached: Settings;
  private listeners = new Set<(s: Settings) => void>();

  constructor(
    dataDir: string,
    private readonly fixed: FixedLayer,
    private readonly secrets: SecretStore,
    private readonly checks: ConfigCheck[] = [],
    private readonly warn: (msg: string) => void = () => undefined,
  ) {
    this.db = new LowSync(privateJsonFile<Record<string, unknown>>(join(dataDir, 'settings.json')), {});
    this.db.read();
    // The switch: flag/env decide the state at start-up, and that state persists.
    const startEnabled = fixed.enabled;
    if (startEnabled !== undefined && this.db.data['enabled'] !== startEnabled.value) {
      this.db.data['enabled'] = startEnabled.value;
      this.save();
    }
    for (const key of STARTUP_ONLY_KEYS) {
      if (this.db.data[key] !== undefined) {
        this.warn(`ignoring ${key} saved from the dashboard: it is set by ${flagName(key)}, ${envName(key)} or the config file only`);
      }
    }
    this.cached = this.compute();
    const problem = this.check(this.cached);
    if (problem) throw new ConfigError(problem.setting, problem.message);
  }

  /** The effective settings right now. */
  get(): Settings {
    return this.cached;
  }

  onChange(fn: (s: Settings) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  source(key: SettingKey): Source {
    if (key !== 'enabled' && this.fixed[key]) return this.fixed[key].source;
    if (this.dashboardValue(key) !== undefined) return 'dashboard';
    return 'default';
  }

  readOnlyReason(key: SettingKey): string | undefined {
    if (key === 'enabled') return undefined;
    const f = this.fixed[key];
    if (!f && STARTUP_ONLY_KEYS.has(key)) return `set by ${flagName(key)}, ${envName(key)} or the config file only`;
    if (!f) return undefined;
    return f.source === 'flag' ? `set by ${f.origin}` : f.source === 'env' ? `set by environment ${f.origin}` : `set in ${f.origin}`;
  }

  /** GET /api/v1/settings (docs/admin-api.md): secrets masked, sources and read-only reasons. */
  describe(): unknown {
    const settings: Record<string, unknown> = {};
    const sources: Record<string, Source> = {};
    const readOnly: Record<string, string> = {};
    for (const key of SETTING_KEYS) {
      settings[key] = showSetting(key, this.cached[key]);
      sources[key] = this.source(key);
      const r = this.readOnlyReason(key);
      if (r) readOnly[key] = r;
    }
    return { settings, sources, read_only: readOnly, secrets: SECRET_KEYS, secret_storage: this.secrets.kind };
  }

  /** PATCH /api/v1/settings: validates everything first, then saves; all or nothing. */
  patch(body: Record<string, unknown>): void {
    const changes: Array<[SettingKey, SettingValue]> = [];
    for (const [key, raw] of Object.entries(body)) {
      if (!isSettingKey(key)) throw new SettingsPatchError(`unknown setting "${key}"`, 400, key);
      const reason = this.readOnlyReason(key);
      if (reason) throw new SettingsPatchError(`${key} is read-only here: it is ${reason}`, 409, key);
      if (raw === null || raw === '') {
        changes.push([key, undefined]);
        continue;
      }
      try {
        changes.push([key, parseSetting(key, raw, 'dashboard')]);
      } catch (err) {
        throw new SettingsPatchError((err as Error).message, 400, key);
      }
    }
    const next = { ...this.cached } as Record<SettingKey, SettingValue>;
    for (const [k, v] of changes) next[k] = v === undefined ? SETTINGS[k].default : v;
    const problem = this.check(next as Settings);
    if (problem) throw new SettingsPatchError(problem.message, 400, problem.setting);
    try {
      for (const [k, v] of changes) this.saveDashboard(k, v);
    } catch (err) {
      // e.g. the OS keychain is unavailable: say so rather than a bare 500.
      throw new SettingsPatchError(`could not save the settings: ${(err as Error).message}`, 503, 'secrets');
    }
    this.db.write();
    this.refresh();
  }

  setEnabled(on: boolean): void {
    this.db.data['enabled'] = on;
    this.save();
    this.refresh();
  }

  /**
   * Writes settings.json for the switch; a disk that takes nothing (issue #13) keeps the state in
   * memory for this run and says so, instead of failing the start or the tray's toggle.
   */
  private save(): void {
    try {
      this.db.write();
    } catch (err) {
      this.warn(`the bridge switch could not be saved (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}): it holds until the gateway stops`);
    }
  }

  private refresh(): void {
    this.cached = this.compute();
    for (const fn of this.listeners) fn(this.cached);
  }

  private saveDashboard(key: SettingKey, value: SettingValue): void {
    if (SECRET_KEYS.includes(key)) {
      this.secrets.set(key, value === undefined ? undefined : String(value));
      return;
    }
    if (value === undefined) delete this.db.data[key];
    else this.db.data[key] = showSetting(key, value);
  }

  private dashboardValue(key: SettingKey): unknown {
    if (STARTUP_ONLY_KEYS.has(key)) return undefined; // never from the dashboard (issue #13)
    return SECRET_KEYS.includes(key) ? this.secrets.get(key) : this.db.data[key];
  }

  private compute(): Settings {
    const out = {} as Record<SettingKey, SettingValue>;
    for (const key of SETTING_KEYS) {
      const fixed = key === 'enabled' ? undefined : this.fixed[key];
      if (fixed) {
        out[key] = fixed.value;
        continue;
      }
      const saved = this.dashboardValue(key);
      if (saved !== undefined && saved !== null) {
        try {
          out[key] = parseSetting(key, saved, 'saved dashboard settings');
          continue;
        } catch (err) {
          this.warn(`ignoring saved setting: ${(err as Error).message}`);
        }
      }
      out[key] = SETTINGS[key].default;
    }
    return out as Settings;
  }

  private check(s: Settings): { setting: string; message: string } | undefined {
    for (const c of this.checks) {
      const message = c(s);
      if (message) return { setting: 'config', message };
    }
    return undefined;
  }
}


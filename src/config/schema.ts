/**
 * Every setting of SPEC §3 in one table: its flag, its environment name and how its text is read.
 * Flags, environment, the YAML file and the dashboard all go through the same parsers, so a bad
 * value gets the same message wherever it came from.
 */
import { parseDuration, formatDuration, parseSize } from './duration.js';
import { DEFAULT_MAX_STORED_FIELD } from '../record/field-cap.js';

export type SettingValue = string | number | boolean | string[] | undefined;

interface SettingDef<T extends SettingValue> {
  /** Flag without dashes; env is AIBRIDGE_ + this upper-cased with `_`. */
  flag: string;
  secret?: boolean;
  /**
   * Set by flag, environment or the config file only: read-only in the admin API and the
   * dashboard, a value saved there earlier is ignored (issue #13: who may reach the gateway and
   * where its log goes must not be changeable by whoever holds the admin token remotely).
   */
  startupOnly?: boolean;
  default: T;
  parse(raw: string): T | undefined;
  /** How the value is shown in GET /api/v1/settings. */
  show?(value: T): unknown;
  /** What a valid value looks like, for error messages. */
  expect: string;
}

const str = (expect = 'a non-empty string') => ({
  parse: (s: string) => (s.trim() === '' ? undefined : s.trim()),
  expect,
});
const url = {
  parse: (s: string) => {
    try {
      const u = new URL(s.trim());
      return u.protocol === 'http:' || u.protocol === 'https:' ? u.toString() : undefined;
    } catch {
      return undefined;
    }
  },
  expect: 'an http(s) URL',
};
const bool = {
  parse: (s: string) => {
    const v = s.trim().toLowerCase();
    if (['true', '1', 'yes', 'on'].includes(v)) return true;
    if (['false', '0', 'no', 'off'].includes(v)) return false;
    return undefined;
  },
  expect: 'true or false',
};
const duration = {
  parse: (s: string) => parseDuration(s),
  show: (v: number) => formatDuration(v),
  expect: 'a duration such as 0, 90d, 2w, 1440h or 1h30m',
};
const positiveDuration = {
  parse: (s: string) => {
    const v = parseDuration(s);
    return v !== undefined && v > 0 ? v : undefined;
  },
  show: (v: number) => formatDuration(v),
  expect: 'a duration above 0 such as 30s, 10m or 1h',
};
const int = (min: number, max: number) => ({
  parse: (s: string) => {
    if (!/^\d+$/.test(s.trim())) return undefined;
    const n = Number(s);
    return n >= min && n <= max ? n : undefined;
  },
  expect: `a whole number from ${min} to ${max}`,
});

export const OTLP_PROTOCOLS = ['http/protobuf', 'http/json'] as const;
export type OtlpProtocol = (typeof OTLP_PROTOCOLS)[number];

/**
 * `otlp_headers` text (`k=v,k=v`, as OTEL_EXPORTER_OTLP_HEADERS) → a header map; undefined when a
 * pair has no `=` or an empty name. Values may be percent-encoded (the OTel convention).
 */
export function parseOtlpHeaders(text: string): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  for (const pair of text.split(',')) {
    if (pair.trim() === '') continue;
    const eq = pair.indexOf('=');
    if (eq <= 0) return undefined;
    const name = pair.slice(0, eq).trim();
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) return undefined;
    let value = pair.slice(eq + 1).trim();
    try {
      value = decodeURIComponent(value);
    } catch {
      // not percent-encoded: taken as written
    }
    out[name] = value;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

export const SETTINGS = {
  enabled: { flag: 'enabled', default: false, ...bool },
  host: { flag: 'host', default: '127.0.0.1', startupOnly: true, ...str('a host name or IP address') },
  port: { flag: 'port', default: 8642, ...int(0, 65535) },
  openai_key: { flag: 'openai-key', default: undefined, secret: true, ...str() },
  openai_base_url: { flag: 'openai-base-url', default: 'https://api.openai.com/v1/', ...url },
  anthropic_key: { flag: 'anthropic-key', default: undefined, secret: true, ...str() },
  anthropic_base_url: { flag: 'anthropic-base-url', default: 'https://api.anthropic.com/', ...url },
  bedrock_region: { flag: 'bedrock-region', default: undefined, ...str('an AWS region such as us-east-1') },
  bedrock_access_key: { flag: 'bedrock-access-key', default: undefined, secret: true, ...str() },
  bedrock_access_key_secret: { flag: 'bedrock-access-key-secret', default: undefined, secret: true, ...str() },
  bedrock_model: { flag: 'bedrock-model', default: undefined, ...str('a Bedrock model id') },
  bedrock_small_fast_model: { flag: 'bedrock-small-fast-model', default: undefined, ...str('a Bedrock model id') },
  bedrock_base_url: { flag: 'bedrock-base-url', default: undefined, ...url },
  retention: { flag: 'retention', default: 60 * 86_400_000, ...duration },
  content_retention: { flag: 'content-retention', default: 0, ...duration },
  structured_logging: { flag: 'structured-logging', default: false, ...bool },
  log_json: { flag: 'log-json', default: undefined, startupOnly: true, ...str('a file path, /dev/stderr, /dev/stdout or -') },
  max_body_size: {
    flag: 'max-body-size',
    default: 32 * 1024 * 1024,
    parse: parseSize,
    expect: 'a size in bytes such as 33554432 or 32MiB',
  },
  max_stored_field: {
    flag: 'max-stored-field',
    default: DEFAULT_MAX_STORED_FIELD,
    parse: (s: string) => {
      const n = parseSize(s);
      return n !== undefined && n >= 1024 ? n : undefined;
    },
    expect: 'a size of at least 1KiB such as 1048576 or 1MiB',
  },
  /**
   * Chat Completions streams: add `stream_options.include_usage` upstream when the client did not
   * ask for usage, so every record has its token row (SPEC §10 2026-12-04, as Coder AI Bridge).
   */
  inject_stream_usage: { flag: 'inject-stream-usage', default: true, ...bool },
  max_body_memory: {
    flag: 'max-body-memory',
    default: 256 * 1024 * 1024,
    parse: parseSize,
    expect: 'a size in bytes such as 268435456 or 256MiB',
  },
  upstream_timeout: { flag: 'upstream-timeout', default: 10 * 60_000, ...positiveDuration },
  stream_idle_timeout: { flag: 'stream-idle-timeout', default: 5 * 60_000, ...positiveDuration },
  max_concurrency: { flag: 'max-concurrency', default: 512, ...int(1, 100_000) },
  /** Longest pause between two pieces of a request body before the call is answered 408 (issue #13). */
  body_idle_timeout: { flag: 'body-idle-timeout', default: 30_000, ...positiveDuration },
  /** Longest time a whole request body may take to arrive (a byte every few seconds never ends otherwise). */
  body_timeout: { flag: 'body-timeout', default: 5 * 60_000, ...positiveDuration },
  /** Open client connections at most (Node's `server.maxConnections`); new ones past it are dropped. */
  max_connections: { flag: 'max-connections', default: 1024, ...int(1, 1_000_000) },
  circuit_failure_threshold: { flag: 'circuit-failure-threshold', default: 5, ...int(0, 10_000) },
  circuit_open_duration: { flag: 'circuit-open-duration', default: 30_000, ...positiveDuration },
  redact_secrets: { flag: 'redact-secrets', default: true, ...bool },
  block_secrets: { flag: 'block-secrets', default: false, ...bool },
  allowed_hosts: {
    flag: 'allowed-hosts',
    startupOnly: true,
    default: [] as string[],
    parse: (s: string) =>
      s
        .split(',')
        .map((h) => h.trim().toLowerCase())
        .filter(Boolean),
    show: (v: string[]) => v.join(','),
    expect: 'a comma-separated list of host names',
  },
  /**
   * The admin API and `/metrics` answer loopback clients only unless this is on (issue #13): with
   * `--host 0.0.0.0` the gateway is for the LAN, its administration stays on the machine.
   */
  allow_remote_admin: { flag: 'allow-remote-admin', default: false, startupOnly: true, ...bool },
  // SPEC §14: OpenTelemetry export (src/gateway/telemetry/). No endpoint = no export.
  otlp_endpoint: { flag: 'otlp-endpoint', default: undefined, ...url },
  otlp_headers: {
    flag: 'otlp-headers',
    default: undefined,
    secret: true,
    parse: (s: string) => (parseOtlpHeaders(s) ? s.trim() : undefined),
    expect: 'comma-separated key=value pairs such as authorization=Bearer abc,x-team=ai',
  },
  otlp_protocol: {
    flag: 'otlp-protocol',
    default: 'http/protobuf' as OtlpProtocol,
    parse: (s: string): OtlpProtocol | undefined => (OTLP_PROTOCOLS as readonly string[]).includes(s.trim()) ? (s.trim() as OtlpProtocol) : undefined,
    expect: 'http/protobuf or http/json',
  },
  otlp_content: { flag: 'otlp-content', default: false, ...bool },
} satisfies Record<string, SettingDef<SettingValue>>;

export type SettingKey = keyof typeof SETTINGS;
type ParsedOf<K extends SettingKey> = (typeof SETTINGS)[K]['default'] | NonNullable<ReturnType<(typeof SETTINGS)[K]['parse']>>;
/** The effective configuration: every setting with its parsed value. */
export type Settings = { [K in SettingKey]: ParsedOf<K> };

export const SETTING_KEYS = Object.keys(SETTINGS) as SettingKey[];
export const SECRET_KEYS = SETTING_KEYS.filter((k) => (SETTINGS[k] as { secret?: boolean }).secret);
/** Settings only flags, environment or the config file set (see `startupOnly`). */
export const STARTUP_ONLY_KEYS: ReadonlySet<SettingKey> = new Set(SETTING_KEYS.filter((k) => (SETTINGS[k] as { startupOnly?: boolean }).startupOnly));

export function isSettingKey(k: string): k is SettingKey {
  return Object.prototype.hasOwnProperty.call(SETTINGS, k);
}

export function envName(key: SettingKey): string {
  return 'AIBRIDGE_' + key.toUpperCase();
}

export function flagName(key: SettingKey): string {
  return '--' + SETTINGS[key].flag;
}

/** A bad setting value: the message names the setting and the value (secrets are not echoed). */
export class ConfigError extends Error {
  constructor(
    readonly setting: string,
    message: string,
  ) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** Parses one setting's raw value (string, or a YAML scalar), or throws ConfigError. */
export function parseSetting(key: SettingKey, raw: unknown, where: string): SettingValue {
  const def: SettingDef<SettingValue> = SETTINGS[key];
  const text = Array.isArray(raw) ? raw.join(',') : String(raw);
  const value = def.parse(text);
  if (value === undefined) {
    const shown = def.secret ? '(hidden)' : JSON.stringify(text);
    throw new ConfigError(key, `invalid value ${shown} for ${key} (${where}): expected ${def.expect}`);
  }
  return value;
}

/** Mask a secret for display: `sk-a…wxyz`, or `••••` when too short to show any of it. */
export function maskSecret(value: string): string {
  if (value.length < 12) return '••••';
  return `${value.slice(0, 4)}…${value.slice(-4)}`;
}

/** The display form of a setting for the admin API (durations as text, secrets masked). */
export function showSetting(key: SettingKey, value: SettingValue): unknown {
  const def: SettingDef<SettingValue> = SETTINGS[key];
  if (value === undefined) return null;
  if (def.secret) return maskSecret(String(value));
  return def.show ? def.show(value) : value;
}

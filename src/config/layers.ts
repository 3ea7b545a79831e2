/**
 * The fixed layers of SPEC §3 precedence: flags > environment > `--config FILE` (YAML under
 * `aibridge:`). Dashboard-saved settings and defaults sit below and are handled by ConfigService.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import {
  ConfigError,
  SETTING_KEYS,
  envName,
  flagName,
  isSettingKey,
  parseSetting,
  type SettingKey,
  type SettingValue,
} from './schema.js';
import { parsePriceOverrides, type PriceOverrides } from '../record/prices.js';

export type Source = 'flag' | 'env' | 'file' | 'dashboard' | 'default';

export interface Fixed {
  value: SettingValue;
  source: Exclude<Source, 'dashboard' | 'default'>;
  /** e.g. `--openai-key`, `AIBRIDGE_OPENAI_KEY`, `config.yaml` — shown as the read-only reason. */
  origin: string;
}

export type FixedLayer = Partial<Record<SettingKey, Fixed>>;

export interface FixedInputs {
  flags: Partial<Record<SettingKey, string>>;
  env: NodeJS.ProcessEnv;
  configFile?: string;
}

/** Reads flags, environment and the config file; throws ConfigError naming the first bad value. */
export function loadFixedLayer(inputs: FixedInputs): FixedLayer {
  const out: FixedLayer = {};
  const file = inputs.configFile ? readConfigFile(inputs.configFile) : {};
  for (const key of SETTING_KEYS) {
    const flag = inputs.flags[key];
    if (flag !== undefined) {
      out[key] = { value: parseSetting(key, flag, `flag ${flagName(key)}`), source: 'flag', origin: flagName(key) };
      continue;
    }
    const envKey = [envName(key), 'CODER_' + envName(key)].find((n) => inputs.env[n] !== undefined && inputs.env[n] !== '');
    if (envKey) {
      out[key] = { value: parseSetting(key, inputs.env[envKey], `environment ${envKey}`), source: 'env', origin: envKey };
      continue;
    }
    if (file[key] !== undefined && file[key] !== null) {
      const where = `config file ${inputs.configFile}`;
      out[key] = { value: parseSetting(key, file[key], where), source: 'file', origin: inputs.configFile ?? 'config file' };
    }
  }
  return out;
}

/** The `aibridge:` mapping of a config file (checked), or {} for an empty file. */
/**
 * `yaml`, loaded only when there is a config file to read (~50 ms of start-up otherwise, issue
 * #18). The package is CommonJS for Node, so a synchronous require is the same module.
 */
const load = createRequire(import.meta.url);
const parseYaml = (text: string): unknown => (load('yaml') as typeof import('yaml')).parse(text);

function readConfigRoot(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError('config', `cannot read config file ${path}: ${(err as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new ConfigError('config', `config file ${path} is not valid YAML: ${(err as Error).message}`);
  }
  if (doc === null || doc === undefined) return {};
  const root = isObject(doc) ? doc['aibridge'] : undefined;
  if (!isObject(root)) throw new ConfigError('config', `config file ${path} must hold a mapping under the key "aibridge:"`);
  return root;
}

/** Keys of the `aibridge:` mapping that are tables rather than settings (read by their own loaders). */
const TABLE_KEYS = new Set(['prices']);

function readConfigFile(path: string): Partial<Record<SettingKey, unknown>> {
  const root = readConfigRoot(path);
  const out: Partial<Record<SettingKey, unknown>> = {};
  for (const [rawKey, value] of Object.entries(root)) {
    if (TABLE_KEYS.has(rawKey)) continue;
    const key = normalizeKey(rawKey);
    if (!isSettingKey(key)) throw new ConfigError(rawKey, `unknown setting "${rawKey}" in config file ${path}`);
    out[key] = value;
  }
  return out;
}

/**
 * Price overrides from the config file's `aibridge: prices:` (SPEC §11: model → USD per million
 * tokens by class); {} without a file or without the key. A bad entry is a ConfigError.
 */
export function readConfigPrices(configFile: string | undefined): PriceOverrides {
  if (!configFile) return {};
  const root = readConfigRoot(configFile);
  try {
    return parsePriceOverrides(root['prices'], `config file ${configFile}`);
  } catch (err) {
    throw new ConfigError('prices', (err as Error).message);
  }
}

/** `openai-key`, `openaiKey`, `OPENAI_KEY` and `aibridge_openai_key` all name `openai_key`. */
export function normalizeKey(k: string): string {
  return k
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/-/g, '_')
    .toLowerCase()
    .replace(/^aibridge_/, '');
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

import { afterEach, describe, expect, it, beforeEach } from 'vitest';
import { writeFileSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseDuration, formatDuration, parseSize } from '../../../src/config/duration.js';
import { loadFixedLayer, normalizeKey } from '../../../src/config/layers.js';
import { ConfigService, SettingsPatchError } from '../../../src/config/config.js';
import { ConfigError } from '../../../src/config/schema.js';
import { parseServeFlags } from '../../../src/config/flags.js';
import { fileSecretStore } from '../../../src/store/secrets-file.js';
import { tempDirs } from '../../helpers/temp-dirs.js';

const temps = tempDirs();
afterEach(() => temps.removeAll());

describe('durations (SPEC §3)', () => {
  it.each([
    ['0', 0],
    ['90d', 90 * 86_400_000],
    ['2w', 14 * 86_400_000],
    ['1440h', 1440 * 3_600_000],
    ['1h30m', 5_400_000],
    ['1s', 1000],
    ['60d', 60 * 86_400_000],
  ])('%s', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', 'abc', '10', '1h foo', '-1h', '1y', 'h', '1 h'])('rejects %j', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });

  it('formats back', () => {
    expect(formatDuration(60 * 86_400_000)).toBe('60d');
    expect(formatDuration(14 * 86_400_000)).toBe('14d');
    expect(formatDuration(5_400_000)).toBe('1h30m');
    expect(formatDuration(0)).toBe('0');
  });

  it('sizes', () => {
    expect(parseSize('32MiB')).toBe(32 * 1024 * 1024);
    expect(parseSize('1000')).toBe(1000);
    expect(parseSize('0')).toBeUndefined();
    expect(parseSize('lots')).toBeUndefined();
  });
});

describe('fixed layers: flags > env > file', () => {
  let dir: string;
  beforeEach(() => {
    dir = temps.make('abr-cfg-');
  });

  const file = (yaml: string) => {
    const p = join(dir, 'config.yaml');
    writeFileSync(p, yaml);
    return p;
  };

  it('takes the flag over the env over the file', () => {
    const configFile = file('aibridge:\n  retention: 30d\n  port: 9000\n  openai_base_url: http://file.example/v1/\n');
    const layer = loadFixedLayer({
      flags: { retention: '7d' },
      env: { AIBRIDGE_RETENTION: '14d', AIBRIDGE_PORT: '9100' },
      configFile,
    });
    expect(layer.retention).toMatchObject({ value: 7 * 86_400_000, source: 'flag' });
    expect(layer.port).toMatchObject({ value: 9100, source: 'env', origin: 'AIBRIDGE_PORT' });
    expect(layer.openai_base_url).toMatchObject({ value: 'http://file.example/v1/', source: 'file' });
  });

  it('accepts the CODER_AIBRIDGE_ aliases, AIBRIDGE_ winning', () => {
    const layer = loadFixedLayer({ flags: {}, env: { CODER_AIBRIDGE_OPENAI_KEY: 'sk-coder', CODER_AIBRIDGE_RETENTION: '2w' } });
    expect(layer.openai_key?.value).toBe('sk-coder');
    expect(layer.retention?.value).toBe(14 * 86_400_000);
    const both = loadFixedLayer({ flags: {}, env: { CODER_AIBRIDGE_RETENTION: '2w', AIBRIDGE_RETENTION: '1d' } });
    expect(both.retention?.value).toBe(86_400_000);
  });

  it('accepts Coder flag spellings', () => {
    const f = parseServeFlags(['--aibridge-openai-key', 'sk-x', '--aibridge-retention', '90d', '--enabled']);
    expect(f.settings).toEqual({ openai_key: 'sk-x', retention: '90d', enabled: 'true' });
  });

  it.each([
    [{ flags: { retention: '5x' } }, /invalid value "5x" for retention \(flag --retention\)/],
    [{ flags: {}, env: { AIBRIDGE_PORT: 'http' } }, /invalid value "http" for port \(environment AIBRIDGE_PORT\)/],
    [{ flags: {}, env: { AIBRIDGE_ENABLED: 'maybe' } }, /invalid value "maybe" for enabled/],
    [{ flags: { openai_base_url: 'ftp://x' } }, /openai_base_url.*http\(s\) URL/],
    [{ flags: { max_body_size: 'big' } }, /max_body_size/],
    [{ flags: {}, env: { CODER_AIBRIDGE_RETENTION: 'forever' } }, /CODER_AIBRIDGE_RETENTION/],
  ])('a bad value names the setting and the value: %j', (input, re) => {
    expect(() => loadFixedLayer({ env: {}, ...input })).toThrow(re);
  });

  it('never echoes a secret in an error', () => {
    expect(() => loadFixedLayer({ flags: { anthropic_key: '  ' }, env: {} })).toThrow(/\(hidden\)/);
  });

  it('rejects unknown keys and bad YAML in the config file', () => {
    expect(() => loadFixedLayer({ flags: {}, env: {}, configFile: file('aibridge:\n  retension: 1d\n') })).toThrow(/unknown setting "retension"/);
    expect(() => loadFixedLayer({ flags: {}, env: {}, configFile: file('aibridge: [1, 2\n') })).toThrow(/not valid YAML/);
    expect(() => loadFixedLayer({ flags: {}, env: {}, configFile: file('other: 1\n') })).toThrow(/under the key "aibridge:"/);
    expect(() => loadFixedLayer({ flags: {}, env: {}, configFile: join(dir, 'missing.yaml') })).toThrow(/cannot read config file/);
  });

  it('normalizes key spellings', () => {
    expect(normalizeKey('openai-key')).toBe('openai_key');
    expect(normalizeKey('openaiKey')).toBe('openai_key');
    expect(normalizeKey('aibridge_openai_key')).toBe('openai_key');
  });
});

describe('ConfigService: dashboard layer, read-only settings, the switch', () => {
  let dir: string;
  beforeEach(() => {
    dir = temps.make('abr-cfgsvc-');
  });

  it('dashboard values sit under fixed ones and over defaults', () => {
    const fixed = loadFixedLayer({ flags: { openai_key: 'sk-flag-1234567890' }, env: {} });
    const svc = new ConfigService(dir, fixed, fileSecretStore(dir));
    expect(svc.get().retention).toBe(60 * 86_400_000);
    svc.patch({ retention: '7d', anthropic_key: 'sk-ant-dashboard-abcdef' });
    expect(svc.get().retention).toBe(7 * 86_400_000);
    expect(svc.get().anthropic_key).toBe('sk-ant-dashboard-abcdef');
    expect(svc.source('retention')).toBe('dashboard');
    expect(() => svc.patch({ openai_key: 'sk-other' })).toThrow(SettingsPatchError);
    try {
      svc.patch({ openai_key: 'sk-other' });
    } catch (err) {
      expect((err as SettingsPatchError).status).toBe(409);
      expect((err as Error).message).toMatch(/read-only.*--openai-key/);
    }
    const d = svc.describe() as { settings: Record<string, unknown>; read_only: Record<string, string> };
    expect(d.settings['anthropic_key']).toBe('sk-a…cdef');
    expect(d.settings['openai_key']).toBe('sk-f…7890');
    expect(d.read_only['openai_key']).toBe('set by --openai-key');
    expect(d.settings['retention']).toBe('7d');
    // secrets never land in settings.json, and secrets.json is 0600
    expect(readFileSync(join(dir, 'settings.json'), 'utf8')).not.toContain('sk-ant-dashboard');
    expect(statSync(join(dir, 'secrets.json')).mode & 0o777).toBe(0o600);
  });

  it('a bad dashboard value is a 400 naming the setting and value; nothing is saved', () => {
    const svc = new ConfigService(dir, {}, fileSecretStore(dir));
    expect(() => svc.patch({ retention: 'soon', content_retention: '1d' })).toThrow(/invalid value "soon" for retention/);
    expect(svc.get().content_retention).toBe(0);
    expect(() => svc.patch({ nope: 1 })).toThrow(/unknown setting "nope"/);
  });

  it('the switch: flag sets the start state, runtime changes persist, never read-only', () => {
    const a = new ConfigService(dir, loadFixedLayer({ flags: { enabled: 'true' }, env: {} }), fileSecretStore(dir));
    expect(a.get().enabled).toBe(true);
    a.setEnabled(false);
    expect(a.readOnlyReason('enabled')).toBeUndefined();
    const b = new ConfigService(dir, {}, fileSecretStore(dir));
    expect(b.get().enabled).toBe(false);
    b.setEnabled(true);
    expect(new ConfigService(dir, {}, fileSecretStore(dir)).get().enabled).toBe(true);
    expect(new ConfigService(dir, loadFixedLayer({ flags: {}, env: { AIBRIDGE_ENABLED: 'false' } }), fileSecretStore(dir)).get().enabled).toBe(false);
  });

  it('whole-config checks run at start-up and on patch', () => {
    const check = (s: { bedrock_access_key?: string; bedrock_access_key_secret?: string }) =>
      s.bedrock_access_key && !s.bedrock_access_key_secret ? 'bedrock-access-key-secret is required when bedrock-access-key is set' : null;
    expect(() => new ConfigService(dir, loadFixedLayer({ flags: { bedrock_access_key: 'AKIA1' }, env: {} }), fileSecretStore(dir), [check])).toThrow(ConfigError);
    const svc = new ConfigService(dir, {}, fileSecretStore(dir), [check]);
    expect(() => svc.patch({ bedrock_access_key: 'AKIA1' })).toThrow(/bedrock-access-key-secret is required/);
  });
});

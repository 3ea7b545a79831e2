import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { autostartEntry, createLoginItem, HIDDEN_FLAG } from '../../electron/login-item.js';
import { FakeApp } from './fake-platform.js';

let root = '';
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('start at login', () => {
  it('on Linux writes and removes an XDG autostart entry that starts hidden', () => {
    root = mkdtempSync(join(tmpdir(), 'aibridge-login-'));
    const app = new FakeApp(root);
    const item = createLoginItem(app, { XDG_CONFIG_HOME: join(root, 'config') });
    const file = join(root, 'config', 'autostart', 'ai-bridge-desktop.desktop');
    expect(item.get()).toBe(false);
    item.set(true);
    expect(item.get()).toBe(true);
    expect(readFileSync(file, 'utf8')).toContain(`Exec="/opt/AI Bridge Desktop/aibridge-desktop" ${HIDDEN_FLAG}`);
    item.set(false);
    expect(existsSync(file)).toBe(false);
    expect(item.get()).toBe(false);
  });

  it('on macOS and Windows uses the login item API', () => {
    root = mkdtempSync(join(tmpdir(), 'aibridge-login-'));
    const app = new FakeApp(root);
    app.os = 'darwin';
    const item = createLoginItem(app, {});
    item.set(true);
    expect(app.openAtLogin).toBe(true);
    expect(item.get()).toBe(true);
  });

  it('quotes executables with special characters', () => {
    expect(autostartEntry('/usr/bin/aibridge')).toContain('Exec=/usr/bin/aibridge --hidden');
    expect(autostartEntry('/home/a b/$x"y')).toContain('Exec="/home/a b/\\$x\\"y" --hidden');
  });
});

import { describe, expect, it } from 'vitest';
import { buildTrayMenu, costLine, statusLine, TrayController, type TrayActions, type TrayState } from '../../electron/tray.js';
import { FakeImage, FakePlatform, findItem } from './fake-platform.js';

const state: TrayState = {
  enabled: false,
  port: 8642,
  requestsToday: 12,
  inFlight: 0,
  costToday: 1.5,
  openAtLogin: false,
  windowVisible: false,
  exportFormat: 'jsonl',
  connected: { 'claude-code': false, codex: true },
};

function recordingActions(calls: string[]): TrayActions {
  return {
    setEnabled: (on) => calls.push(`setEnabled:${on}`),
    openDashboard: () => calls.push('openDashboard'),
    copyClaudeCodeSetup: () => calls.push('copyClaudeCodeSetup'),
    copyCodexSetup: () => calls.push('copyCodexSetup'),
    toggleConnect: (c) => calls.push(`toggleConnect:${c}`),
    setExportFormat: (f) => calls.push(`setExportFormat:${f}`),
    exportLogs: (r) => calls.push(`exportLogs:${r}`),
    setOpenAtLogin: (on) => calls.push(`setOpenAtLogin:${on}`),
    toggleWindow: () => calls.push('toggleWindow'),
    quit: () => calls.push('quit'),
  };
}

describe('tray menu', () => {
  it('shows the status line with port and requests today', () => {
    expect(statusLine(state)).toBe('Bridge off · port 8642 · 12 requests today');
    expect(statusLine({ ...state, enabled: true, requestsToday: 1, inFlight: 2 })).toBe(
      'Bridge on · port 8642 · 1 request today · 2 in flight',
    );
    const menu = buildTrayMenu(state, recordingActions([]));
    expect(findItem(menu, 'status')).toMatchObject({ label: statusLine(state), enabled: false });
  });

  it('shows today\'s cost under the status line (SPEC §11), a small amount not rounded to $0.00', () => {
    expect(findItem(buildTrayMenu(state, recordingActions([])), 'cost-today')).toMatchObject({ label: 'Cost today: $1.50', enabled: false });
    expect(costLine(0)).toBe('Cost today: $0.00');
    expect(costLine(0.0042)).toBe('Cost today: $0.0042');
    expect(costLine(1234.5)).toBe('Cost today: $1,234.50');
  });

  it('reflects the state in its checkboxes, radio items and Show/Hide label', () => {
    const off = buildTrayMenu(state, recordingActions([]));
    expect(findItem(off, 'enabled')).toMatchObject({ type: 'checkbox', checked: false, label: 'Enable bridge' });
    expect(findItem(off, 'open-at-login')).toMatchObject({ type: 'checkbox', checked: false });
    expect(findItem(off, 'toggle-window')?.label).toBe('Show dashboard');
    expect(findItem(off, 'export-format-jsonl')?.checked).toBe(true);
    expect(findItem(off, 'export-format-ecs')?.checked).toBe(false);

    const on = buildTrayMenu({ ...state, enabled: true, openAtLogin: true, windowVisible: true, exportFormat: 'ecs' }, recordingActions([]));
    expect(findItem(on, 'enabled')?.checked).toBe(true);
    expect(findItem(on, 'open-at-login')?.checked).toBe(true);
    expect(findItem(on, 'toggle-window')?.label).toBe('Hide dashboard');
    expect(findItem(on, 'export-format-ecs')?.checked).toBe(true);
  });

  it('offers every action, with Show/Hide and Quit always present', () => {
    const calls: string[] = [];
    const menu = buildTrayMenu(state, recordingActions(calls));
    expect(findItem(menu, 'connect-claude-code')).toMatchObject({ label: 'Connect Claude Code', checked: false });
    expect(findItem(menu, 'connect-codex')).toMatchObject({ label: 'Connect Codex', checked: true });
    const ids = ['enabled', 'open-dashboard', 'connect-claude-code', 'connect-codex', 'copy-claude-code', 'copy-codex', 'export-format-ecs', 'export-24h', 'export-7d', 'export-all', 'open-at-login', 'toggle-window', 'quit'];
    for (const id of ids) findItem(menu, id)?.click?.();
    expect(calls).toEqual([
      'setEnabled:true',
      'openDashboard',
      'toggleConnect:claude-code',
      'toggleConnect:codex',
      'copyClaudeCodeSetup',
      'copyCodexSetup',
      'setExportFormat:ecs',
      'exportLogs:24h',
      'exportLogs:7d',
      'exportLogs:all',
      'setOpenAtLogin:true',
      'toggleWindow',
      'quit',
    ]);
    expect(findItem(menu, 'export')?.label).toBe('Export logs to file…');
  });
});

describe('TrayController', () => {
  it('creates the tray once and swaps the icon with the bridge state', () => {
    const platform = new FakePlatform('/nonexistent');
    const icons = { on: new FakeImage([]), off: new FakeImage([]) };
    const calls: string[] = [];
    const tray = new TrayController((img) => platform.createTray(img), icons, recordingActions(calls));
    tray.render(state);
    expect(platform.trays).toHaveLength(1);
    expect(platform.tray.image).toBe(icons.off);
    expect(platform.tray.toolTip).toContain('Bridge off');
    tray.render({ ...state, enabled: true });
    expect(platform.trays).toHaveLength(1);
    expect(platform.tray.image).toBe(icons.on);
    expect(platform.tray.item('enabled').checked).toBe(true);
    for (const l of platform.tray.clickListeners) l();
    expect(calls).toEqual(['openDashboard']);
    tray.destroy();
    expect(platform.tray.destroyed).toBe(true);
  });

  it('leaves clicks to the menu on macOS', () => {
    const platform = new FakePlatform('/nonexistent');
    const icons = { on: new FakeImage([]), off: new FakeImage([]) };
    new TrayController((img) => platform.createTray(img), icons, recordingActions([]), false).render(state);
    expect(platform.tray.clickListeners).toHaveLength(0);
  });
});

/**
 * The tray icon and its menu, rendered from state (STYLE.md §3).
 *
 * {@link buildTrayMenu} is a pure function of {@link TrayState}; {@link TrayController} owns the
 * platform tray and re-renders it. Show/Hide and Quit are always in the menu because most Linux
 * indicators ignore clicks on the icon.
 */
import { usdText } from './budget-notice.js';
import type { ImageHandle, MenuItemSpec, TrayHandle } from './platform.js';

/** Log export formats (SPEC §7). */
export type ExportFormat = 'jsonl' | 'ecs';
/** Time ranges offered by "Export logs to file…". */
export type ExportRange = '24h' | '7d' | 'all';

/** Everything the tray shows. */
export interface TrayState {
  enabled: boolean;
  port: number;
  requestsToday: number;
  inFlight: number;
  /** USD of today's calls at the current prices (SPEC §11). */
  costToday: number;
  openAtLogin: boolean;
  windowVisible: boolean;
  exportFormat: ExportFormat;
  /** Whether each client's own config points at this bridge (`aibridge connect`, SPEC §16). */
  connected: Record<TrayClient, boolean>;
}

/** Clients the tray connects in one click. */
export type TrayClient = 'claude-code' | 'codex';

/** What the menu items do; the desktop composition wires them to the gateway and the OS. */
export interface TrayActions {
  setEnabled(on: boolean): void;
  openDashboard(): void;
  copyClaudeCodeSetup(): void;
  copyCodexSetup(): void;
  /** Connects the client, or undoes it when it is connected. */
  toggleConnect(client: TrayClient): void;
  setExportFormat(format: ExportFormat): void;
  exportLogs(range: ExportRange): void;
  setOpenAtLogin(on: boolean): void;
  toggleWindow(): void;
  quit(): void;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** The status line at the top of the menu, also used as the tooltip. */
export function statusLine(state: Pick<TrayState, 'enabled' | 'port' | 'requestsToday' | 'inFlight'>): string {
  const parts = [`Bridge ${state.enabled ? 'on' : 'off'}`, `port ${state.port}`, `${plural(state.requestsToday, 'request')} today`];
  if (state.inFlight > 0) parts.push(`${state.inFlight} in flight`);
  return parts.join(' · ');
}

/** Today's cost as the menu shows it (calls to models with no price are not counted). */
export function costLine(costToday: number): string {
  return `Cost today: ${usdText(costToday)}`;
}

/** The tray menu for a state. Every item has a stable `id`. */
export function buildTrayMenu(state: TrayState, actions: TrayActions): MenuItemSpec[] {
  const range = (id: string, label: string, value: ExportRange): MenuItemSpec => ({
    id,
    label,
    click: () => actions.exportLogs(value),
  });
  return [
    { id: 'status', label: statusLine(state), enabled: false },
    { id: 'cost-today', label: costLine(state.costToday), enabled: false },
    { type: 'separator' },
    { id: 'enabled', label: 'Enable bridge', type: 'checkbox', checked: state.enabled, click: () => actions.setEnabled(!state.enabled) },
    { type: 'separator' },
    { id: 'open-dashboard', label: 'Open dashboard', click: () => actions.openDashboard() },
    { id: 'connect-claude-code', label: 'Connect Claude Code', type: 'checkbox', checked: state.connected['claude-code'], click: () => actions.toggleConnect('claude-code') },
    { id: 'connect-codex', label: 'Connect Codex', type: 'checkbox', checked: state.connected.codex, click: () => actions.toggleConnect('codex') },
    { id: 'copy-claude-code', label: 'Copy Claude Code setup', click: () => actions.copyClaudeCodeSetup() },
    { id: 'copy-codex', label: 'Copy Codex setup', click: () => actions.copyCodexSetup() },
    {
      id: 'export',
      label: 'Export logs to file…',
      type: 'submenu',
      submenu: [
        {
          id: 'export-format-jsonl',
          label: 'Format: JSON lines',
          type: 'radio',
          checked: state.exportFormat === 'jsonl',
          click: () => actions.setExportFormat('jsonl'),
        },
        {
          id: 'export-format-ecs',
          label: 'Format: Elastic Common Schema (ECS)',
          type: 'radio',
          checked: state.exportFormat === 'ecs',
          click: () => actions.setExportFormat('ecs'),
        },
        { type: 'separator' },
        range('export-24h', 'Last 24 hours…', '24h'),
        range('export-7d', 'Last 7 days…', '7d'),
        range('export-all', 'All records…', 'all'),
      ],
    },
    { type: 'separator' },
    {
      id: 'open-at-login',
      label: 'Start at login',
      type: 'checkbox',
      checked: state.openAtLogin,
      click: () => actions.setOpenAtLogin(!state.openAtLogin),
    },
    { id: 'toggle-window', label: state.windowVisible ? 'Hide dashboard' : 'Show dashboard', click: () => actions.toggleWindow() },
    { type: 'separator' },
    { id: 'quit', label: 'Quit AI Bridge', click: () => actions.quit() },
  ];
}

/** The on/off icon images, made once by the caller. */
export interface TrayIcons {
  on: ImageHandle;
  off: ImageHandle;
}

/** Owns the tray icon; call {@link render} whenever the state may have changed. */
export class TrayController {
  private tray: TrayHandle | undefined;
  private shownOn: boolean | undefined;

  /**
   * @param openOnClick whether a click on the icon opens the dashboard — not on macOS, where a click
   *   already opens the menu.
   */
  constructor(
    private readonly createTray: (image: ImageHandle) => TrayHandle,
    private readonly icons: TrayIcons,
    private readonly actions: TrayActions,
    private readonly openOnClick = true,
  ) {}

  render(state: TrayState): void {
    const icon = state.enabled ? this.icons.on : this.icons.off;
    if (!this.tray) {
      this.tray = this.createTray(icon);
      // A click on the icon (where the OS reports it) opens the dashboard, like the menu item.
      if (this.openOnClick) this.tray.onClick(() => this.actions.openDashboard());
    } else if (this.shownOn !== state.enabled) {
      this.tray.setImage(icon);
    }
    this.shownOn = state.enabled;
    this.tray.setToolTip(`AI Bridge Desktop — ${statusLine(state)} · ${usdText(state.costToday)}`);
    this.tray.setContextMenu(buildTrayMenu(state, this.actions));
  }

  destroy(): void {
    this.tray?.destroy();
    this.tray = undefined;
  }
}

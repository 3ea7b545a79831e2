/**
 * The thin adapter between the desktop shell and Electron (STYLE.md §1–3, §9).
 *
 * Everything the shell needs from the `electron` module is named here as a small interface with
 * plain-data arguments, so the shell's logic runs (and is tested) in plain Node with a fake
 * (`test/electron/fake-platform.ts`). The one implementation over the real module is
 * `platform-electron.ts`; no other file in the shell imports `electron` (the sandboxed preload
 * aside, which runs in the renderer).
 */

/** An image the platform made; opaque to the shell. Electron's `NativeImage` fits it. */
export interface ImageHandle {
  toPNG(): Buffer;
}

/** One PNG at one scale factor (1 = 16 px tray icon, 2 = its @2x). */
export interface ImageRepresentation {
  scaleFactor: number;
  png: Buffer;
}

/** A context-menu item as plain data; the adapter turns a list of them into a native menu. */
export interface MenuItemSpec {
  /** Stable name so tests (and the adapter) can find an item without matching labels. */
  id?: string;
  label?: string;
  type?: 'normal' | 'separator' | 'checkbox' | 'radio' | 'submenu';
  checked?: boolean;
  enabled?: boolean;
  click?: () => void;
  submenu?: MenuItemSpec[];
}

/** The tray icon. */
export interface TrayHandle {
  setImage(image: ImageHandle): void;
  setToolTip(text: string): void;
  setContextMenu(items: MenuItemSpec[]): void;
  /** Left click (ignored by most Linux indicators, hence Show/Hide in the menu too). */
  onClick(listener: () => void): void;
  destroy(): void;
}

/** An event whose default action the listener may cancel (window close, app quit). */
export interface CancellableEvent {
  preventDefault(): void;
}

/** webPreferences of the dashboard window; the literal types pin the security-relevant values. */
export interface DashboardWebPreferences {
  contextIsolation: true;
  sandbox: true;
  nodeIntegration: false;
  nodeIntegrationInWorker: false;
  nodeIntegrationInSubFrames: false;
  webSecurity: true;
  allowRunningInsecureContent: false;
  webviewTag: false;
  /** Absolute path of the compiled preload script. */
  preload: string;
  /** Session partition; without the `persist:` prefix it lives in memory only. */
  partition: string;
}

export interface WindowOptions {
  title: string;
  width: number;
  height: number;
  minWidth: number;
  minHeight: number;
  show: boolean;
  backgroundColor: string;
  autoHideMenuBar: boolean;
  icon?: ImageHandle;
  webPreferences: DashboardWebPreferences;
}

/** A BrowserWindow, reduced to what the dashboard window needs. */
export interface WindowHandle {
  loadURL(url: string): Promise<void>;
  show(): void;
  hide(): void;
  focus(): void;
  restore(): void;
  isVisible(): boolean;
  isMinimized(): boolean;
  isDestroyed(): boolean;
  destroy(): void;
  /** 'close' — the listener may cancel it (to hide to the tray instead). */
  onClose(listener: (event: CancellableEvent) => void): void;
  /** Fires after the window was shown or hidden. */
  onVisibilityChange(listener: () => void): void;
}

/** Request-header and response-header hooks of one session (Electron `session.webRequest`). */
export interface SessionHandle {
  /** Rewrites outgoing request headers; the listener returns the headers to send. */
  onBeforeSendHeaders(
    listener: (details: { url: string; requestHeaders: Record<string, string> }) => Record<string, string>,
  ): void;
  /** Rewrites incoming response headers; the listener returns the headers to hand to the page. */
  onHeadersReceived(
    listener: (details: {
      url: string;
      responseHeaders: Record<string, string[]> | undefined;
    }) => Record<string, string[]> | undefined,
  ): void;
  /** Decides permission requests (clipboard, notifications, …) from pages in this session. */
  setPermissionHandler(decide: (permission: string, requestingUrl: string) => boolean): void;
}

/** A web page's contents, for the global navigation guard. */
export interface ContentsHandle {
  /** The handler's verdict for `window.open` / target=_blank. */
  setWindowOpenHandler(handler: (url: string) => 'allow' | 'deny'): void;
  /** Navigation of the page or one of its frames; return false to block it. */
  onWillNavigate(allow: (url: string, isMainFrame: boolean) => boolean): void;
  /** Server redirects during navigation; return false to block. */
  onWillRedirect(allow: (url: string) => boolean): void;
  /** `<webview>` attachment; always refused by the guard. */
  onWillAttachWebview(listener: (event: CancellableEvent) => void): void;
}

export interface AppHandle {
  /** `process.platform` of the running app. */
  readonly os: NodeJS.Platform;
  readonly isPackaged: boolean;
  /** The app's own command line. */
  readonly argv: readonly string[];
  /** The executable a login item should start (the AppImage itself when run as one). */
  readonly executablePath: string;
  getPath(name: 'userData' | 'appData' | 'downloads' | 'home'): string;
  setPath(name: 'userData' | 'sessionData', path: string): void;
  setName(name: string): void;
  getVersion(): string;
  requestSingleInstanceLock(): boolean;
  onSecondInstance(listener: (argv: readonly string[]) => void): void;
  whenReady(): Promise<void>;
  onBeforeQuit(listener: (event: CancellableEvent) => void): void;
  onWindowAllClosed(listener: () => void): void;
  /** macOS: the dock icon was clicked (or the app re-opened). */
  onActivate(listener: () => void): void;
  onWebContentsCreated(listener: (contents: ContentsHandle) => void): void;
  /** Login items on macOS and Windows (Linux uses an autostart file, see login-item.ts). */
  getOpenAtLogin(): boolean;
  setOpenAtLogin(on: boolean, args: string[]): void;
  quit(): void;
  exit(code: number): void;
}

export interface MessageBoxOptions {
  type: 'none' | 'info' | 'error' | 'question' | 'warning';
  title: string;
  message: string;
  detail?: string;
  buttons: string[];
  defaultId: number;
  cancelId: number;
}

export interface SaveDialogOptions {
  title: string;
  defaultPath: string;
  buttonLabel: string;
  filters: { name: string; extensions: string[] }[];
}

export interface DialogHandle {
  /** Resolves to the chosen path, or undefined when cancelled. */
  showSaveDialog(options: SaveDialogOptions): Promise<string | undefined>;
  /** Resolves to the index of the clicked button. */
  showMessageBox(options: MessageBoxOptions): Promise<number>;
  showErrorBox(title: string, content: string): void;
}

export interface SafeStorageHandle {
  isEncryptionAvailable(): boolean;
  encryptString(plain: string): Buffer;
  decryptString(cipher: Buffer): string;
  /** Linux only: the keyring backend; 'basic_text' means a hard-coded key, i.e. no real protection. */
  selectedBackend(): string | undefined;
}

/** Everything the desktop shell uses from Electron. */
export interface Platform {
  readonly app: AppHandle;
  readonly dialog: DialogHandle;
  readonly safeStorage: SafeStorageHandle;
  writeClipboardText(text: string): void;
  /** Hands a URL to the OS (browser). Callers go through security.ts `openExternalSafely`. */
  openExternal(url: string): Promise<void>;
  /** A desktop notification; silently nothing where the OS has none. */
  notify(title: string, body: string): void;
  createImage(representations: ImageRepresentation[]): ImageHandle;
  createTray(image: ImageHandle): TrayHandle;
  createWindow(options: WindowOptions): WindowHandle;
  session(partition: string): SessionHandle;
}

/**
 * A fake {@link Platform} for the desktop shell's tests: it records what the shell asked of
 * Electron and lets the test answer dialogs and fire app events.
 */
import type {
  AppHandle,
  CancellableEvent,
  ContentsHandle,
  ImageHandle,
  ImageRepresentation,
  MenuItemSpec,
  MessageBoxOptions,
  Platform,
  SafeStorageHandle,
  SaveDialogOptions,
  SessionHandle,
  TrayHandle,
  WindowHandle,
  WindowOptions,
} from '../../electron/platform.js';

export class FakeImage implements ImageHandle {
  constructor(readonly representations: ImageRepresentation[]) {}
  toPNG(): Buffer {
    return this.representations[0]?.png ?? Buffer.alloc(0);
  }
}

export class FakeTray implements TrayHandle {
  image: ImageHandle;
  toolTip = '';
  menu: MenuItemSpec[] = [];
  destroyed = false;
  clickListeners: (() => void)[] = [];
  constructor(image: ImageHandle) {
    this.image = image;
  }
  setImage(image: ImageHandle): void {
    this.image = image;
  }
  setToolTip(text: string): void {
    this.toolTip = text;
  }
  setContextMenu(items: MenuItemSpec[]): void {
    this.menu = items;
  }
  onClick(listener: () => void): void {
    this.clickListeners.push(listener);
  }
  destroy(): void {
    this.destroyed = true;
  }
  /** The menu item with this id (searching submenus). */
  item(id: string): MenuItemSpec {
    const found = findItem(this.menu, id);
    if (!found) throw new Error(`no menu item ${id}`);
    return found;
  }
  /** Clicks the menu item with this id. */
  click(id: string): void {
    const click = this.item(id).click;
    if (!click) throw new Error(`menu item ${id} has no click`);
    click();
  }
}

export function findItem(items: MenuItemSpec[], id: string): MenuItemSpec | undefined {
  for (const item of items) {
    if (item.id === id) return item;
    const inner = item.submenu ? findItem(item.submenu, id) : undefined;
    if (inner) return inner;
  }
  return undefined;
}

export class FakeWindow implements WindowHandle {
  visible = false;
  minimized = false;
  destroyed = false;
  focused = 0;
  loaded: string[] = [];
  private closeListeners: ((e: CancellableEvent) => void)[] = [];
  private visibilityListeners: (() => void)[] = [];
  constructor(readonly options: WindowOptions) {}
  async loadURL(url: string): Promise<void> {
    this.loaded.push(url);
  }
  show(): void {
    this.visible = true;
    for (const l of this.visibilityListeners) l();
  }
  hide(): void {
    this.visible = false;
    for (const l of this.visibilityListeners) l();
  }
  focus(): void {
    this.focused++;
  }
  restore(): void {
    this.minimized = false;
  }
  isVisible(): boolean {
    return this.visible;
  }
  isMinimized(): boolean {
    return this.minimized;
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  destroy(): void {
    this.destroyed = true;
  }
  onClose(listener: (event: CancellableEvent) => void): void {
    this.closeListeners.push(listener);
  }
  onVisibilityChange(listener: () => void): void {
    this.visibilityListeners.push(listener);
  }
  /** The user clicks the close button; returns true when the window really closed. */
  close(): boolean {
    let prevented = false;
    for (const l of this.closeListeners) l({ preventDefault: () => (prevented = true) });
    if (!prevented) this.destroyed = true;
    return !prevented;
  }
}

export class FakeSession implements SessionHandle {
  beforeSend: ((d: { url: string; requestHeaders: Record<string, string> }) => Record<string, string>) | undefined;
  headersReceived:
    | ((d: { url: string; responseHeaders: Record<string, string[]> | undefined }) => Record<string, string[]> | undefined)
    | undefined;
  permission: ((permission: string, url: string) => boolean) | undefined;
  onBeforeSendHeaders(listener: NonNullable<FakeSession['beforeSend']>): void {
    this.beforeSend = listener;
  }
  onHeadersReceived(listener: NonNullable<FakeSession['headersReceived']>): void {
    this.headersReceived = listener;
  }
  setPermissionHandler(decide: (permission: string, url: string) => boolean): void {
    this.permission = decide;
  }
}

/** A web contents as the guard sees it; the test drives its events. */
export class FakeContents implements ContentsHandle {
  openHandler: ((url: string) => 'allow' | 'deny') | undefined;
  navigate: ((url: string, isMainFrame?: boolean) => boolean) | undefined;
  redirect: ((url: string) => boolean) | undefined;
  webview: ((e: CancellableEvent) => void) | undefined;
  setWindowOpenHandler(handler: (url: string) => 'allow' | 'deny'): void {
    this.openHandler = handler;
  }
  onWillNavigate(allow: (url: string, isMainFrame: boolean) => boolean): void {
    this.navigate = (url, isMainFrame = true) => allow(url, isMainFrame);
  }
  onWillRedirect(allow: (url: string) => boolean): void {
    this.redirect = allow;
  }
  onWillAttachWebview(listener: (event: CancellableEvent) => void): void {
    this.webview = listener;
  }
}

/** Reversible, but never the plaintext: XOR with a constant behind a marker. */
export class FakeSafeStorage implements SafeStorageHandle {
  available = true;
  backend: string | undefined = 'gnome_libsecret';
  encryptCalls = 0;
  decryptCalls = 0;
  isEncryptionAvailable(): boolean {
    return this.available;
  }
  encryptString(plain: string): Buffer {
    this.encryptCalls++;
    return Buffer.concat([Buffer.from('FAKEOS1'), Buffer.from(plain, 'utf8').map((b) => b ^ 0x5a)]);
  }
  decryptString(cipher: Buffer): string {
    this.decryptCalls++;
    if (!cipher.subarray(0, 7).equals(Buffer.from('FAKEOS1'))) throw new Error('not ours');
    return Buffer.from(cipher.subarray(7).map((b) => b ^ 0x5a)).toString('utf8');
  }
  selectedBackend(): string | undefined {
    return this.backend;
  }
}

type Listener<A extends unknown[]> = (...args: A) => void;

export class FakeApp implements AppHandle {
  os: NodeJS.Platform = 'linux';
  isPackaged = false;
  argv: string[] = ['electron', '.'];
  executablePath = '/opt/AI Bridge Desktop/aibridge-desktop';
  name = '';
  paths: Record<string, string>;
  gotLock = true;
  openAtLogin = false;
  quitCalls = 0;
  exitCodes: number[] = [];
  secondInstance: Listener<[readonly string[]]>[] = [];
  beforeQuit: Listener<[CancellableEvent]>[] = [];
  allClosed: Listener<[]>[] = [];
  activate: Listener<[]>[] = [];
  contentsCreated: Listener<[ContentsHandle]>[] = [];
  constructor(root: string) {
    this.paths = { appData: `${root}/appData`, downloads: `${root}/downloads`, home: `${root}/home` };
  }
  getPath(name: 'userData' | 'appData' | 'downloads' | 'home'): string {
    const p = this.paths[name];
    if (!p) throw new Error(`path ${name} not set`);
    return p;
  }
  setPath(name: 'userData' | 'sessionData', path: string): void {
    this.paths[name] = path;
  }
  setName(name: string): void {
    this.name = name;
  }
  getVersion(): string {
    return '0.0.0-test';
  }
  requestSingleInstanceLock(): boolean {
    return this.gotLock;
  }
  onSecondInstance(listener: Listener<[readonly string[]]>): void {
    this.secondInstance.push(listener);
  }
  async whenReady(): Promise<void> {}
  onBeforeQuit(listener: Listener<[CancellableEvent]>): void {
    this.beforeQuit.push(listener);
  }
  onWindowAllClosed(listener: Listener<[]>): void {
    this.allClosed.push(listener);
  }
  onActivate(listener: Listener<[]>): void {
    this.activate.push(listener);
  }
  onWebContentsCreated(listener: Listener<[ContentsHandle]>): void {
    this.contentsCreated.push(listener);
  }
  getOpenAtLogin(): boolean {
    return this.openAtLogin;
  }
  setOpenAtLogin(on: boolean): void {
    this.openAtLogin = on;
  }
  quit(): void {
    this.quitCalls++;
  }
  exit(code: number): void {
    this.exitCodes.push(code);
  }
  /** Simulates a second launch of the app. */
  launchAgain(argv: string[] = ['electron', '.']): void {
    for (const l of this.secondInstance) l(argv);
  }
  /** Creates a web contents and runs the global guards on it. */
  createContents(): FakeContents {
    const contents = new FakeContents();
    for (const l of this.contentsCreated) l(contents);
    return contents;
  }
}

export class FakePlatform implements Platform {
  readonly app: FakeApp;
  readonly safeStorage = new FakeSafeStorage();
  readonly trays: FakeTray[] = [];
  readonly windows: FakeWindow[] = [];
  readonly sessions = new Map<string, FakeSession>();
  readonly clipboard: string[] = [];
  readonly notifications: { title: string; body: string }[] = [];
  readonly opened: string[] = [];
  readonly errors: { title: string; content: string }[] = [];
  readonly messageBoxes: MessageBoxOptions[] = [];
  readonly saveDialogs: SaveDialogOptions[] = [];
  /** Answers for the next dialogs, in order (button index; path or undefined = cancel). */
  messageBoxAnswers: number[] = [];
  saveDialogAnswers: (string | undefined)[] = [];

  constructor(root: string) {
    this.app = new FakeApp(root);
  }

  readonly dialog = {
    showSaveDialog: async (options: SaveDialogOptions): Promise<string | undefined> => {
      this.saveDialogs.push(options);
      return this.saveDialogAnswers.shift();
    },
    showMessageBox: async (options: MessageBoxOptions): Promise<number> => {
      this.messageBoxes.push(options);
      return this.messageBoxAnswers.shift() ?? options.cancelId;
    },
    showErrorBox: (title: string, content: string): void => {
      this.errors.push({ title, content });
    },
  };

  get tray(): FakeTray {
    const t = this.trays.at(-1);
    if (!t) throw new Error('no tray yet');
    return t;
  }
  get window(): FakeWindow {
    const w = this.windows.at(-1);
    if (!w) throw new Error('no window yet');
    return w;
  }

  writeClipboardText(text: string): void {
    this.clipboard.push(text);
  }
  async openExternal(url: string): Promise<void> {
    this.opened.push(url);
  }
  notify(title: string, body: string): void {
    this.notifications.push({ title, body });
  }
  createImage(representations: ImageRepresentation[]): ImageHandle {
    return new FakeImage(representations);
  }
  createTray(image: ImageHandle): TrayHandle {
    const tray = new FakeTray(image);
    this.trays.push(tray);
    return tray;
  }
  createWindow(options: WindowOptions): WindowHandle {
    const win = new FakeWindow(options);
    this.windows.push(win);
    return win;
  }
  session(partition: string): SessionHandle {
    let s = this.sessions.get(partition);
    if (!s) {
      s = new FakeSession();
      this.sessions.set(partition, s);
    }
    return s;
  }
}

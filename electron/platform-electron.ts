/**
 * The {@link Platform} over the real `electron` module — the only main-process file that imports
 * it. Each method is a direct call or a small shape conversion; logic belongs in the callers, where
 * the tests reach it through a fake.
 */
import {
  app,
  BrowserWindow,
  clipboard,
  dialog,
  Menu,
  nativeImage,
  Notification,
  safeStorage,
  session,
  shell,
  Tray,
  type MenuItemConstructorOptions,
} from 'electron';
import type {
  AppHandle,
  ContentsHandle,
  ImageHandle,
  MenuItemSpec,
  Platform,
  SessionHandle,
  TrayHandle,
  WindowHandle,
  WindowOptions,
} from './platform.js';

function toMenuTemplate(items: MenuItemSpec[]): MenuItemConstructorOptions[] {
  return items.map((item) => {
    const options: MenuItemConstructorOptions = { type: item.type ?? 'normal' };
    if (item.id !== undefined) options.id = item.id;
    if (item.label !== undefined) options.label = item.label;
    if (item.checked !== undefined) options.checked = item.checked;
    if (item.enabled !== undefined) options.enabled = item.enabled;
    const onClick = item.click;
    if (onClick) options.click = () => onClick();
    if (item.submenu) options.submenu = toMenuTemplate(item.submenu);
    return options;
  });
}

function toNativeImage(image: ImageHandle): Electron.NativeImage {
  // Every ImageHandle the shell holds came from createImage below.
  return image as Electron.NativeImage;
}

function wrapTray(tray: Tray): TrayHandle {
  return {
    setImage: (image) => tray.setImage(toNativeImage(image)),
    setToolTip: (text) => tray.setToolTip(text),
    setContextMenu: (items) => tray.setContextMenu(Menu.buildFromTemplate(toMenuTemplate(items))),
    onClick: (listener) => {
      tray.on('click', () => listener());
    },
    destroy: () => tray.destroy(),
  };
}

function wrapWindow(win: BrowserWindow): WindowHandle {
  return {
    loadURL: (url) => win.loadURL(url),
    show: () => win.show(),
    hide: () => win.hide(),
    focus: () => win.focus(),
    restore: () => win.restore(),
    isVisible: () => win.isVisible(),
    isMinimized: () => win.isMinimized(),
    isDestroyed: () => win.isDestroyed(),
    destroy: () => win.destroy(),
    onClose: (listener) => {
      win.on('close', (event) => listener(event));
    },
    onVisibilityChange: (listener) => {
      win.on('show', () => listener());
      win.on('hide', () => listener());
    },
  };
}

function wrapContents(contents: Electron.WebContents): ContentsHandle {
  return {
    setWindowOpenHandler: (handler) => contents.setWindowOpenHandler(({ url }) => ({ action: handler(url) })),
    onWillNavigate: (allow) => {
      // 'will-frame-navigate' covers the main frame and sub-frames ('will-navigate' only the former).
      contents.on('will-frame-navigate', (event) => {
        if (!allow(event.url, event.isMainFrame)) event.preventDefault();
      });
    },
    onWillRedirect: (allow) => {
      contents.on('will-redirect', (event) => {
        if (!allow(event.url)) event.preventDefault();
      });
    },
    onWillAttachWebview: (listener) => {
      contents.on('will-attach-webview', (event) => listener(event));
    },
  };
}

function wrapSession(partition: string): SessionHandle {
  const ses = session.fromPartition(partition);
  return {
    onBeforeSendHeaders: (listener) => {
      ses.webRequest.onBeforeSendHeaders((details, callback) => {
        callback({ requestHeaders: listener({ url: details.url, requestHeaders: details.requestHeaders }) });
      });
    },
    onHeadersReceived: (listener) => {
      ses.webRequest.onHeadersReceived((details, callback) => {
        const responseHeaders = listener({ url: details.url, responseHeaders: details.responseHeaders });
        callback(responseHeaders ? { responseHeaders } : {});
      });
    },
    setPermissionHandler: (decide) => {
      ses.setPermissionRequestHandler((_contents, permission, callback, details) => {
        callback(decide(permission, details.requestingUrl));
      });
      ses.setPermissionCheckHandler((_contents, permission, requestingOrigin) => decide(permission, requestingOrigin));
    },
  };
}

const appHandle: AppHandle = {
  os: process.platform,
  get isPackaged() {
    return app.isPackaged;
  },
  argv: process.argv,
  // An AppImage mounts itself in a fresh temp dir per run; the login item must start the file.
  executablePath: process.env['APPIMAGE'] ?? process.execPath,
  getPath: (name) => app.getPath(name),
  setPath: (name, path) => app.setPath(name, path),
  setName: (name) => app.setName(name),
  getVersion: () => app.getVersion(),
  requestSingleInstanceLock: () => app.requestSingleInstanceLock(),
  onSecondInstance: (listener) => {
    app.on('second-instance', (_event, argv) => listener(argv));
  },
  whenReady: () => app.whenReady(),
  onBeforeQuit: (listener) => {
    app.on('before-quit', (event) => listener(event));
  },
  onWindowAllClosed: (listener) => {
    app.on('window-all-closed', () => listener());
  },
  onActivate: (listener) => {
    app.on('activate', () => listener());
  },
  onWebContentsCreated: (listener) => {
    app.on('web-contents-created', (_event, contents) => listener(wrapContents(contents)));
  },
  getOpenAtLogin: () => app.getLoginItemSettings().openAtLogin,
  setOpenAtLogin: (on, args) => app.setLoginItemSettings({ openAtLogin: on, args }),
  quit: () => app.quit(),
  exit: (code) => app.exit(code),
};

/** The real Electron platform. Call after importing, before `app` is ready (paths are set early). */
export function createElectronPlatform(): Platform {
  return {
    app: appHandle,
    dialog: {
      showSaveDialog: async (options) => {
        const result = await dialog.showSaveDialog(options);
        return result.canceled || !result.filePath ? undefined : result.filePath;
      },
      showMessageBox: async (options) => (await dialog.showMessageBox({ ...options, noLink: true })).response,
      showErrorBox: (title, content) => dialog.showErrorBox(title, content),
    },
    safeStorage: {
      isEncryptionAvailable: () => safeStorage.isEncryptionAvailable(),
      encryptString: (plain) => safeStorage.encryptString(plain),
      decryptString: (cipher) => safeStorage.decryptString(cipher),
      selectedBackend: () => (process.platform === 'linux' ? safeStorage.getSelectedStorageBackend() : undefined),
    },
    writeClipboardText: (text) => clipboard.writeText(text),
    openExternal: (url) => shell.openExternal(url),
    notify: (title, body) => {
      if (Notification.isSupported()) new Notification({ title, body }).show();
    },
    createImage: (representations) => {
      const image = nativeImage.createEmpty();
      for (const rep of representations) image.addRepresentation({ scaleFactor: rep.scaleFactor, buffer: rep.png });
      return image;
    },
    createTray: (image) => wrapTray(new Tray(toNativeImage(image))),
    createWindow: (options: WindowOptions) => {
      const { icon, ...rest } = options;
      return wrapWindow(new BrowserWindow(icon ? { ...rest, icon: toNativeImage(icon) } : rest));
    },
    session: (partition) => wrapSession(partition),
  };
}

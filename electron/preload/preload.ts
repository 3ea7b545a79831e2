/*
 * Preload of the dashboard window — deliberately minimal. The window is sandboxed, and Electron
 * runs sandboxed preloads as CommonJS-style scripts (wrapped with `require`, `exports`, no ESM):
 * this folder's package.json marks it CommonJS so tsc does not emit `export {}` here, as it would
 * under the root package's `"type": "module"`.
 *
 * It tells the dashboard that it runs inside the desktop shell, which attaches the admin token to
 * its requests (electron/window.ts); nothing else crosses the bridge.
 */
{
  const { contextBridge } = require('electron') as typeof import('electron');
  contextBridge.exposeInMainWorld('aibridgeDesktop', Object.freeze({ shell: 'electron', authenticatedByShell: true }));
}

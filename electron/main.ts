/**
 * Electron entry point (package.json `main` → dist/electron/main.js). The steps — set paths,
 * single-instance lock, setup calls, start the gateway — are the flat list in `startDesktop`
 * (desktop.ts), so the same composition runs under a fake platform in tests.
 */
import { fileURLToPath } from 'node:url';
import { startApp } from '../src/app.js';
import { startDesktop } from './desktop.js';
import { createElectronPlatform } from './platform-electron.js';

const platform = createElectronPlatform();

// Deliberately not a top-level await: Electron emits `ready` only after the ESM entry module has
// finished evaluating, so awaiting `app.whenReady()` inside it would hang (electron/electron#40719).
// startDesktop sets paths and takes the single-instance lock synchronously — during this module's
// evaluation, hence before `ready`, as app.setPath requires — and then waits for `ready`.
startDesktop({
  platform,
  startApp,
  preloadPath: fileURLToPath(new URL('./preload/preload.js', import.meta.url)),
}).catch((err: unknown) => {
  console.error('AI Bridge Desktop failed:', err);
  platform.dialog.showErrorBox('AI Bridge Desktop failed', err instanceof Error ? (err.stack ?? err.message) : String(err));
  platform.app.exit(1);
});

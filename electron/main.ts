/**
 * Electron entry point (package.json `main` → dist/electron/main.js). The steps — set paths,
 * single-instance lock, setup calls, start the gateway — are the flat list in `startDesktop`
 * (desktop.ts), so the same composition runs under a fake platform in tests.
 */
import { fileURLToPath } from 'node:url';
import { startApp } from '../src/app.js';
import { startDesktop } from './desktop.js';
import { createElectronPlatform } from './platform-electron.js';

await startDesktop({
  platform: createElectronPlatform(),
  startApp,
  preloadPath: fileURLToPath(new URL('./preload/preload.js', import.meta.url)),
});

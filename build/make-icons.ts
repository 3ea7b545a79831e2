/**
 * Writes the installer icons from the drawings in electron/icons.ts:
 *   build/icon.png             1024 px, macOS dmg and Windows NSIS (electron-builder converts it)
 *   build/icons/NxN.png        Linux hicolor sizes (AppImage, deb)
 *   build/icons/tray-{on,off}[@2x].png  the tray variants, for reference (the app draws them itself)
 * Run: node --import tsx build/make-icons.ts
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { appIconPng, trayIconPng } from '../electron/icons.js';

const here = dirname(fileURLToPath(import.meta.url));
const icons = join(here, 'icons');
mkdirSync(icons, { recursive: true });
writeFileSync(join(here, 'icon.png'), appIconPng(1024));
for (const size of [16, 32, 48, 64, 128, 256, 512]) writeFileSync(join(icons, `${size}x${size}.png`), appIconPng(size));
for (const on of [true, false]) {
  const name = `tray-${on ? 'on' : 'off'}`;
  writeFileSync(join(icons, `${name}.png`), trayIconPng(on, 16));
  writeFileSync(join(icons, `${name}@2x.png`), trayIconPng(on, 32));
}
console.log(`icons written to ${here}`);

// electron-builder afterPack hook: sets the Electron fuses on the packaged binary
// (https://www.electronjs.org/docs/latest/tutorial/fuses). It runs right before signing, where
// fuses must be flipped; electron-builder has already embedded the ASAR integrity data.
//
// Applied only when a real Electron binary is present. The CI packaging test packs against a
// stand-in (a tiny placeholder named `electron`) that has no fuse wire: it is skipped with a note.
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { FuseV1Options, FuseVersion } from '@electron/fuses';
import { Arch } from 'electron-builder';

/** Real Electron binaries are tens of MB; the stand-in is a few bytes. */
const MIN_REAL_BINARY = 1024 * 1024;

/** The file holding the fuse wire (on macOS, the framework inside the bundle). */
function fuseFile({ electronPlatformName, appOutDir, packager }) {
  const name = packager.appInfo.productFilename;
  switch (electronPlatformName) {
    case 'darwin':
    case 'mas':
      return join(appOutDir, `${name}.app`, 'Contents', 'Frameworks', 'Electron Framework.framework', 'Electron Framework');
    case 'win32':
      return join(appOutDir, `${name}.exe`);
    default:
      return join(appOutDir, packager.executableName);
  }
}

/** @param {import('electron-builder').AfterPackContext} context */
export default async function afterPack(context) {
  const file = fuseFile(context);
  if (!existsSync(file) || statSync(file).size < MIN_REAL_BINARY) {
    console.log(`  • fuses skipped: ${file} is not a real Electron binary (stand-in build)`);
    return;
  }
  await context.packager.addElectronFuses(context, {
    version: FuseVersion.V1,
    // Flipping fuses breaks the ad-hoc signature of arm64 macOS builds; redo it (real signing follows).
    resetAdHocDarwinSignature: context.electronPlatformName === 'darwin' && (context.arch === Arch.arm64 || context.arch === Arch.universal),
    [FuseV1Options.RunAsNode]: false,
    [FuseV1Options.EnableCookieEncryption]: true,
    [FuseV1Options.EnableNodeOptionsEnvironmentVariable]: false,
    [FuseV1Options.EnableNodeCliInspectArguments]: false,
    [FuseV1Options.EnableEmbeddedAsarIntegrityValidation]: true,
    [FuseV1Options.OnlyLoadAppFromAsar]: true,
  });
}

// electron-builder afterPack hook: sets the Electron fuses on the packaged binary
// (https://www.electronjs.org/docs/latest/tutorial/fuses).
//
// Applied only when a real Electron binary is present. The CI packaging test packs against a
// stand-in (a tiny placeholder named `electron`), which has no fuse wire: it is skipped with a note.
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { flipFuses, FuseV1Options, FuseVersion } from '@electron/fuses';

/** Real Electron binaries are tens of MB; the stand-in is a few bytes. */
const MIN_REAL_BINARY = 1024 * 1024;

function binaryPath(context) {
  const { electronPlatformName, appOutDir, packager } = context;
  const name = packager.appInfo.productFilename;
  switch (electronPlatformName) {
    case 'darwin':
    case 'mas':
      return {
        target: join(appOutDir, `${name}.app`),
        fuseFile: join(appOutDir, `${name}.app`, 'Contents', 'Frameworks', 'Electron Framework.framework', 'Electron Framework'),
      };
    case 'win32':
      return { target: join(appOutDir, `${name}.exe`), fuseFile: join(appOutDir, `${name}.exe`) };
    default: {
      const exe = join(appOutDir, packager.executableName);
      return { target: exe, fuseFile: exe };
    }
  }
}

/** @param {import('app-builder-lib').AfterPackContext} context */
export default async function afterPack(context) {
  const { target, fuseFile } = binaryPath(context);
  if (!existsSync(fuseFile) || statSync(fuseFile).size < MIN_REAL_BINARY) {
    console.log(`  • fuses skipped: ${fuseFile} is not a real Electron binary (stand-in build)`);
    return;
  }
  await flipFuses(target, {
    version: FuseVersion.V1,
    // Flipping fuses invalidates the ad-hoc signature of arm64 macOS builds; re-sign ad hoc.
    resetAdHocDarwinSignature: context.electronPlatformName === 'darwin' && context.arch === 3 /* Arch.arm64 */,
    [FuseV1Options.RunAsNode]: false,
    [FuseV1Options.EnableCookieEncryption]: true,
    [FuseV1Options.EnableNodeOptionsEnvironmentVariable]: false,
    [FuseV1Options.EnableNodeCliInspectArguments]: false,
    [FuseV1Options.EnableEmbeddedAsarIntegrityValidation]: true,
    [FuseV1Options.OnlyLoadAppFromAsar]: true,
  });
  console.log(`  • fuses set on ${fuseFile}`);
}

/**
 * build/after-pack.mjs: the fuses are flipped on a real Electron binary and skipped on the
 * packaging test's stand-in. "Real" here is a 2 MiB file carrying Electron's fuse wire (sentinel,
 * version 1, 8 fuses all at Electron's defaults).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { FuseState, SENTINEL } from '@electron/fuses/dist/constants.js';
import { flipFuses, FuseV1Options, getCurrentFuseWire, type FuseConfig } from '@electron/fuses';
import { afterEach, describe, expect, it } from 'vitest';

interface HookContext {
  electronPlatformName: string;
  appOutDir: string;
  arch: number;
  packager: {
    executableName: string;
    appInfo: { productFilename: string };
    addElectronFuses(context: HookContext, fuses: FuseConfig): Promise<number>;
  };
}

async function loadHook(): Promise<(context: HookContext) => Promise<void>> {
  const mod: unknown = await import(pathToFileURL(resolve(import.meta.dirname, '../../build/after-pack.mjs')).href);
  if (typeof mod !== 'object' || mod === null || !('default' in mod) || typeof mod.default !== 'function') throw new Error('no default export');
  return mod.default as (context: HookContext) => Promise<void>;
}

let dir = '';
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function context(): HookContext {
  return {
    electronPlatformName: 'linux',
    appOutDir: dir,
    arch: 1,
    packager: {
      executableName: 'aibridge-desktop',
      appInfo: { productFilename: 'AI Bridge Desktop' },
      // What electron-builder's PlatformPackager.addElectronFuses does for Linux.
      addElectronFuses: (ctx, fuses) => flipFuses(join(ctx.appOutDir, ctx.packager.executableName), fuses),
    },
  };
}

describe('afterPack fuses', () => {
  it('flips the fuses on a real Electron binary', async () => {
    dir = mkdtempSync(join(tmpdir(), 'aibridge-fuses-'));
    const binary = Buffer.alloc(2 * 1024 * 1024, 0x90);
    const wire = Buffer.concat([Buffer.from(SENTINEL), Buffer.from([1, 8]), Buffer.from('10110001')]);
    wire.copy(binary, 1024 * 1024);
    writeFileSync(join(dir, 'aibridge-desktop'), binary);

    await (await loadHook())(context());
    const fuses = await getCurrentFuseWire(join(dir, 'aibridge-desktop'));
    expect(fuses[FuseV1Options.RunAsNode]).toBe(FuseState.DISABLE);
    expect(fuses[FuseV1Options.EnableCookieEncryption]).toBe(FuseState.ENABLE);
    expect(fuses[FuseV1Options.EnableNodeOptionsEnvironmentVariable]).toBe(FuseState.DISABLE);
    expect(fuses[FuseV1Options.EnableNodeCliInspectArguments]).toBe(FuseState.DISABLE);
    expect(fuses[FuseV1Options.EnableEmbeddedAsarIntegrityValidation]).toBe(FuseState.ENABLE);
    expect(fuses[FuseV1Options.OnlyLoadAppFromAsar]).toBe(FuseState.ENABLE);
    // Untouched: Electron's defaults stay.
    expect(fuses[FuseV1Options.LoadBrowserProcessSpecificV8Snapshot]).toBe(FuseState.DISABLE);
    expect(fuses[FuseV1Options.GrantFileProtocolExtraPrivileges]).toBe(FuseState.ENABLE);
  });

  it('skips the stand-in binary of the packaging test', async () => {
    dir = mkdtempSync(join(tmpdir(), 'aibridge-fuses-'));
    writeFileSync(join(dir, 'aibridge-desktop'), '#!/bin/sh\nexit 1\n');
    const ctx = context();
    let called = false;
    ctx.packager.addElectronFuses = async () => {
      called = true;
      return 0;
    };
    await (await loadHook())(ctx);
    expect(called).toBe(false);
  });
});

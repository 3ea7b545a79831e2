// `npm run desktop` needs the Electron runtime. package.json `allowScripts` denies electron's install
// script (npm 11 runs a dependency's install script unless the project denies it), because running
// it at `npm ci` fails on machines that cannot reach the Electron download host and only the
// desktop app needs the runtime. So the download happens here, on demand; `npm ci` keeps the
// package itself (its TypeScript types are what the type-check needs).
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { spawnSync } from 'node:child_process';

const require = createRequire(import.meta.url);
const electronDir = dirname(require.resolve('electron/package.json'));
if (!existsSync(join(electronDir, 'path.txt'))) {
  console.log('Downloading the Electron runtime (first `npm run desktop`)…');
  const r = spawnSync(process.execPath, [join(electronDir, 'install.js')], {
    stdio: 'inherit',
    env: { ...process.env, ELECTRON_SKIP_BINARY_DOWNLOAD: '' },
  });
  if (r.status !== 0) {
    console.error('Could not download Electron. `npm run desktop` needs internet access once; the headless gateway (`npm start`) does not.');
    process.exit(r.status ?? 1);
  }
}

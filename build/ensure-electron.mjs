// `npm run desktop` needs the Electron runtime. npm 11 does not run dependencies' install scripts
// unless a project approves them (package.json `allowScripts`), and approving electron's would make
// `npm ci` fail on machines that cannot download it. So the download happens here, on demand.
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

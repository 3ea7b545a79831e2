import { defineConfig } from 'vite';
import preact from '@preact/preset-vite';

// Paths from this file, not from the shell's cwd, so `vite build --config src/ui/vite.config.ts`
// works from anywhere. The gateway serves dist/ui at /ui/ (SPEC §2 login URL).
const here = (rel: string): string => decodeURIComponent(new URL(rel, import.meta.url).pathname);

export default defineConfig({
  root: here('.'),
  base: '/ui/',
  publicDir: here('./public'),
  plugins: [preact({ prerender: { enabled: false } })],
  build: {
    outDir: here('../../dist/ui'),
    emptyOutDir: true,
    // A strict CSP applies: no data: URIs, no inline scripts; everything is a file.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    target: 'es2022',
    sourcemap: false,
    reportCompressedSize: true,
  },
  server: {
    // `vite --config src/ui/vite.config.ts` during development, against a running `aibridge serve`.
    proxy: { '/api': 'http://127.0.0.1:8642' },
  },
});

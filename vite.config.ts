import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { brotliCompress, constants as zlib, gzip } from 'node:zlib';
import { defineConfig, type Plugin } from 'vitest/config';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { VitePWA } from 'vite-plugin-pwa';
import { libsodiumWasmFile } from './scripts/libsodium-wasm-plugin.ts';

// The app lives in web/; index.html at the root is its entry. The signaling server serves dist/
// itself (`npm start`), so `vite` alone is only for UI work without a backend.

/** From web/app.css: the light theme's canvas behind the app, and its accent for the title bar. */
const THEME = { background: '#eef2f1', accent: '#0f766e' };

export default defineConfig({
  plugins: [
    svelte(),
    libsodiumWasmFile(),
    VitePWA({
      // injectManifest rather than generateSW: the worker is ours to read (web/service-worker.ts),
      // so what it intercepts is written down in one short file (only the precached app and its
      // page, never /ws or /healthz), and it can grow handlers of its own (notification clicks).
      strategies: 'injectManifest',
      srcDir: 'web',
      filename: 'service-worker.ts',
      // A new version waits until the user says so (web/components/common/UpdateNotice.svelte):
      // swapping code under an open conversation could lose what is being typed.
      registerType: 'prompt',
      // web/state/app-update.svelte.ts registers the worker itself, in production builds only.
      injectRegister: false,
      injectManifest: {
        rollupFormat: 'iife',
        // The app shell and everything it loads later (libsodium and its WebAssembly, the backup
        // worker), so that it opens with no network; the plugin adds the manifest and its icons.
        // Not the source maps: only developer tools fetch those.
        globPatterns: ['**/*.{js,css,html,wasm}'],
        maximumFileSizeToCacheInBytes: 2 * 1024 * 1024,
      },
      manifest: {
        id: '/',
        name: 'Tincan',
        short_name: 'Tincan',
        description: 'Peer-to-peer messenger: end-to-end encrypted, history only on your devices.',
        start_url: '/',
        scope: '/',
        display: 'standalone',
        theme_color: THEME.accent,
        background_color: THEME.background,
        icons: [
          { src: '/icon-192.png', sizes: '192x192', type: 'image/png' },
          { src: '/icon-512.png', sizes: '512x512', type: 'image/png' },
          { src: '/icon-maskable-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
          { src: '/icon.svg', sizes: 'any', type: 'image/svg+xml' },
        ],
      },
    }),
    precompress(),
  ],
  publicDir: 'public',
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', sourcemap: true },
  server: { proxy: { '/ws': { target: 'ws://localhost:8080', ws: true } } },
  test: {
    include: ['tests/unit/**/*.test.ts', 'tests/server/**/*.test.ts'],
    environment: 'node',
  },
});

/**
 * Writes a .br and a .gz beside every text file of the build and libsodium's WebAssembly, which
 * the server sends to browsers that accept them (sirv's `brotli` and `gzip` options): a third of
 * the bytes, with no compression work per request. Runs last, after the service worker is written.
 */
function precompress(): Plugin {
  const COMPRESSIBLE = /\.(js|css|html|svg|webmanifest|wasm)$/;
  const MIN_BYTES = 1024;
  const brotli = promisify(brotliCompress);
  const gzipAsync = promisify(gzip);
  let outDir = '';
  return {
    name: 'tincan:precompress',
    apply: 'build',
    configResolved: (config) => void (outDir = resolve(config.root, config.build.outDir)),
    closeBundle: {
      order: 'post',
      sequential: true,
      async handler() {
        const files = (await readdir(outDir, { recursive: true })).filter((file) => COMPRESSIBLE.test(file));
        await Promise.all(
          files.map(async (file) => {
            const path = join(outDir, file);
            if ((await stat(path)).size < MIN_BYTES) return;
            const data = await readFile(path);
            const [br, gz] = await Promise.all([
              brotli(data, { params: { [zlib.BROTLI_PARAM_QUALITY]: zlib.BROTLI_MAX_QUALITY } }),
              gzipAsync(data, { level: zlib.Z_BEST_COMPRESSION }),
            ]);
            await Promise.all([writeFile(`${path}.br`, br), writeFile(`${path}.gz`, gz)]);
          }),
        );
      },
    },
  };
}

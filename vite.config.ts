import { defineConfig } from 'vitest/config';
import { svelte } from '@sveltejs/vite-plugin-svelte';

// The app lives in web/; index.html at the root is its entry. The signaling server serves dist/
// itself (`npm start`), so `vite` alone is only for UI work without a backend.
export default defineConfig({
  plugins: [svelte()],
  publicDir: 'public',
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', sourcemap: true },
  server: { proxy: { '/ws': { target: 'ws://localhost:8080', ws: true } } },
  test: {
    include: ['tests/unit/**/*.test.ts', 'tests/server/**/*.test.ts'],
    environment: 'node',
  },
});

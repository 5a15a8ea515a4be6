/**
 * Vite build of bragg's browser UI: `npm run build:web` writes `dist/web/`, which
 * `bragg serve` serves at `/` (no second server). `npx vite --config web/vite.config.ts`
 * runs it in development, proxying `/api` to a `bragg serve` on port 8230.
 */
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  base: '/',
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('../dist/web', import.meta.url)),
    emptyOutDir: true,
    // The heatmaps (three.js, @h5web/lib) are one large chunk; that is expected.
    chunkSizeWarningLimit: 4096,
    sourcemap: false,
  },
  server: {
    proxy: { '/api': 'http://127.0.0.1:8230', '/openapi.json': 'http://127.0.0.1:8230' },
  },
});

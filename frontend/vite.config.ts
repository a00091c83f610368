import { defineConfig } from 'vitest/config';

// The Rust server (`amont serve`) listens here during development.
const backend = 'http://127.0.0.1:8080';

export default defineConfig({
  // The server serves the build at `/` and falls back to index.html for client
  // routes, so assets must be referenced by absolute paths (`/assets/...`).
  base: '/',
  build: {
    outDir: 'dist',
    assetsDir: 'assets',
    emptyOutDir: true,
    target: 'es2022',
  },
  server: {
    proxy: {
      '/api': { target: backend, changeOrigin: false },
      '/healthz': { target: backend },
      '/metrics': { target: backend },
      '/ws': { target: backend, ws: true },
    },
  },
  test: {
    environment: 'node',
    include: ['src/**/*.test.ts'],
  },
});

import { defineConfig } from 'vitest/config';
import react from '@vitejs/plugin-react';

// The backend (domcctv serve) listens on 127.0.0.1:8765 during development; it serves the built
// bundle itself in production, so every URL in the app is relative (/graphql, #/routes).
const backend = process.env.DOMCCTV_BACKEND ?? 'http://127.0.0.1:8765';

export default defineConfig({
  base: './',
  plugins: [react()],
  server: {
    port: 5173,
    proxy: {
      '/graphql': { target: backend, ws: true, changeOrigin: true },
      '/health': { target: backend },
      // Signed clip, export and live-stream URLs (same-origin in production).
      '/video': { target: backend },
    },
  },
  build: {
    outDir: 'dist',
    sourcemap: false,
    chunkSizeWarningLimit: 1200,
  },
  test: {
    include: ['src/**/*.test.ts'],
    environment: 'node',
  },
});

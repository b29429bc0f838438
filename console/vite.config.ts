import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/**
 * The console's build: React, hashed assets under /assets (served by the API with a year's cache), and the
 * script's gzipped size printed by the build (the budget is 200 KB).
 */
export default defineConfig({
  root: __dirname,
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, assetsDir: 'assets', reportCompressedSize: true, chunkSizeWarningLimit: 700 },
});

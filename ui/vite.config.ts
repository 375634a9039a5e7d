import { tanstackRouter } from '@tanstack/router-plugin/vite';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// Routes and paths come from tsr.config.json, shared with `tsr generate` (used before typecheck/lint).
export default defineConfig({
  plugins: [tanstackRouter({ target: 'react', autoCodeSplitting: true }), react()],
  build: {
    // The service serves the SPA from inside the Python package, so a deploy needs no Node.
    outDir: '../job_monitor/backend/static',
    emptyOutDir: true,
  },
  server: {
    proxy: { '/api': 'http://127.0.0.1:8000' },
  },
});

import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vite'

// The demo page, built into web/dist and served by Tessera at `/` to browsers.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  logLevel: 'warn',
  build: { outDir: 'dist', emptyOutDir: true, assetsDir: 'assets', sourcemap: false },
})

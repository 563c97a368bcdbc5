import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vite'

// The admin web UI, built into admin/dist and served by Tessera at ADMIN_UI_PATH (default /admin/).
// Asset URLs are relative (`base: './'`), so one build serves under any path the operator picks.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  logLevel: 'warn',
  // React's automatic JSX runtime through esbuild: no Babel plugin, no dev-only refresh code.
  esbuild: { jsx: 'automatic', jsxDev: false },
  define: { 'process.env.NODE_ENV': JSON.stringify('production') },
  build: { outDir: 'dist', emptyOutDir: true, assetsDir: 'assets', sourcemap: false },
})

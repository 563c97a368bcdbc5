/** `tessera/plugin`: Tessera as a plugin of your own Fastify app (docs/embedding.md). */
export type { ServiceLogger, TesseraCore, TesseraStores } from './compose.js'
export { type TesseraPluginOptions, tessera } from './plugin.js'
export { tesseraAppOptions } from '../http/app.js'

/** `tessera/server`: build (and optionally listen with) a complete Tessera server, or embed it. */
export { buildServer, type ServerOptions, type TesseraServer } from './build.js'
export { type ClusterOptions, serveCluster } from './cluster.js'
export type { TesseraCore, TesseraStores } from './compose.js'
export { type TesseraPluginOptions, tessera } from './plugin.js'
export { type RunningServer, serve } from './serve.js'

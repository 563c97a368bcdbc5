/** `tessera/server`: build (and optionally listen with) a complete Tessera server. */
export { buildServer, type ServerOptions, type TesseraServer } from './build.js'
export { type ClusterOptions, serveCluster } from './cluster.js'
export { type RunningServer, serve } from './serve.js'

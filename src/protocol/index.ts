/**
 * `tessera/protocol`: the wire contract shared by server and clients. Types and constants only.
 */
export * from './algorithms.js'
export * from './codes.js'
export * from './paths.js'
export type * from './types.js'

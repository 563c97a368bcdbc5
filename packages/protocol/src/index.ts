/**
 * `@tessera/protocol`: the wire contract shared by the server, its clients and verifiers: paths,
 * JSON shapes, error codes and the error classes that carry them. No dependencies.
 */
export * from './algorithms.js'
export * from './codes.js'
export * from './errors.js'
export * from './paths.js'
export type * from './types.js'

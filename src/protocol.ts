/** `tessera/protocol`: the same module as `@tessera/protocol`. */
export * from '@tessera/protocol'

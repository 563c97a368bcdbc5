/** `tessera/client`: the same module as `@tessera/client` (install that alone in a front end). */
export * from '@tessera/client'

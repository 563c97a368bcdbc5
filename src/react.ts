/** `tessera/react`: the same module as `@tessera/react` (install that alone in a front end). */
export * from '@tessera/react'

/** `tessera/fastify`: the guards and middleware of `@tessera/verify`, which a service can install alone. */
export * from '@tessera/verify'

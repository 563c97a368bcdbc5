/** `tessera/store/redis`: cross-instance fan-out of revocations, and the shared Redis connection. */
export { connectRedis } from './connection.js'
export { type Revocation, RedisRevocationBus } from './revocation-bus.js'
export { RedisCounterStore } from './counters.js'

import type { Redis } from 'ioredis'
import { SettingsError } from '../../core/errors.js'

/**
 * The oldest Redis Tessera works with, and why: the counters start their window with
 * `PEXPIRE … NX` (Redis 7.0). On an older server that command fails inside the transaction and
 * the counters never expire, so locked accounts would stay locked. Everything else Tessera sends
 * is older: INCR, PTTL, GET, DEL, MULTI/EXEC, PUBLISH/SUBSCRIBE, PING, INFO, and the rate limits'
 * Lua scripts (EVALSHA, Redis 2.6).
 */
export const MIN_REDIS_VERSION = { major: 7, minor: 0, needs: 'PEXPIRE … NX' } as const

/** The server's version from `INFO server` (`7.0.15`), or undefined when it does not say. */
export async function redisServerVersion(redis: Redis): Promise<string | undefined> {
  const info = await redis.info('server')
  return /^redis_version:([^\r\n]+)/m.exec(info)?.[1]?.trim()
}

/**
 * Checks that the server is one Tessera can use.
 *
 * @throws SettingsError (`REDIS_URL`) naming the server's version and what Tessera needs
 */
export async function checkRedisVersion(redis: Redis): Promise<void> {
  const version = await redisServerVersion(redis)
  if (version === undefined) return
  const [major = Number.NaN, minor = 0] = version.split('.').map((part) => Number.parseInt(part, 10))
  if (!Number.isFinite(major)) return
  const { major: needMajor, minor: needMinor, needs } = MIN_REDIS_VERSION
  if (major > needMajor || (major === needMajor && minor >= needMinor)) return
  throw new SettingsError(
    'REDIS_URL',
    `the server runs Redis ${version}; Tessera needs Redis ${needMajor}.${needMinor} or later (it uses ${needs})`,
  )
}

import fastifyRateLimit from '@fastify/rate-limit'
import type { FastifyInstance, FastifyRequest, onRequestAsyncHookHandler } from 'fastify'
import { Throttled } from '../core/errors.js'
import type { RouteDeps } from './deps.js'
import { contextOf } from './route.js'

export type LimitName = 'login' | 'register' | 'refresh' | 'password' | 'profile'

export type Limiter = (name: LimitName) => onRequestAsyncHookHandler[]

/**
 * Per-IP request limits on the endpoints worth guessing at (@fastify/rate-limit, in Redis when
 * `REDIS_URL` is set so every instance shares one count). They fail open when Redis is
 * unreachable: a cache outage must not become a login outage, and argon2id still bounds the
 * guessing rate. Over the limit: 429 `throttled` with `Retry-After`, and an audit event.
 */
export async function installRateLimits(app: FastifyInstance, deps: RouteDeps): Promise<Limiter> {
  const { settings, audit } = deps
  if (!settings.RATE_LIMIT_ENABLED) return () => []
  await app.register(fastifyRateLimit, {
    global: false,
    skipOnError: true,
    ...(deps.rateLimitRedis
      ? { redis: deps.rateLimitRedis, nameSpace: deps.rateLimitPrefix ?? 'tessera:ratelimit:' }
      : {}),
  })
  const max: Record<LimitName, number> = {
    login: settings.RATE_LIMIT_LOGIN_PER_IP,
    register: settings.RATE_LIMIT_REGISTER_PER_IP,
    refresh: settings.RATE_LIMIT_REFRESH_PER_IP,
    password: settings.RATE_LIMIT_PASSWORD_PER_IP,
    profile: settings.RATE_LIMIT_PROFILE_PER_IP,
  }
  const hooks = new Map<LimitName, onRequestAsyncHookHandler>()
  for (const name of Object.keys(max) as LimitName[]) {
    const hook = app.rateLimit({
      max: max[name],
      timeWindow: settings.RATE_LIMIT_WINDOW * 1000,
      keyGenerator: (request: FastifyRequest) => `${name}:${request.ip}`,
      errorResponseBuilder: (_request, context) => new Throttled(Math.max(1, Math.ceil(context.ttl / 1000))),
      onExceeded: (request: FastifyRequest) => {
        void audit.record('rate_limited', { context: contextOf(request), detail: { limit: name } })
      },
    })
    hooks.set(name, hook as onRequestAsyncHookHandler)
  }
  return (name) => {
    const hook = hooks.get(name)
    return hook ? [hook] : []
  }
}

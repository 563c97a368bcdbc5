import fastifyRateLimit from '@fastify/rate-limit'
import type { FastifyInstance, FastifyRequest, onRequestAsyncHookHandler } from 'fastify'
import { Throttled } from '../core/errors.js'
import { clientIp } from './client-ip.js'
import { introspectionClient } from './introspection-client.js'
import type { RouteDeps } from './deps.js'
import { OncePerWindow } from './once-per-window.js'
import { contextOf } from './route.js'

export type LimitName = 'login' | 'register' | 'refresh' | 'password' | 'introspect' | 'profile' | 'mail'

export type Limiter = (name: LimitName) => onRequestAsyncHookHandler[]

/**
 * What a limit counts by: the client's IP; for introspection the authenticated client, so a
 * resource server is limited as one caller wherever its calls come from, and a caller that fails
 * client authentication is counted by its IP (it never spends a real client's count).
 */
function keyOf(name: LimitName, deps: RouteDeps): (request: FastifyRequest) => string | Promise<string> {
  const { clients } = deps
  if (name !== 'introspect' || clients === undefined) return (request) => `${name}:${clientIp(request)}`
  return async (request) => {
    const client = await introspectionClient(request, clients)
    return client === undefined ? `${name}:ip:${clientIp(request)}` : `${name}:client:${client.clientId}`
  }
}

/**
 * Request limits on the endpoints worth guessing at, per IP (@fastify/rate-limit, in Redis when
 * `REDIS_URL` is set so every instance shares one count). They fail open when Redis is
 * unreachable: a cache outage must not become a login outage, and argon2id still bounds the
 * guessing rate. Over the limit: 429 `throttled` with `Retry-After`, counted in the metrics; the
 * first refusal of a key in its window is also an audit event.
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
    introspect: settings.RATE_LIMIT_INTROSPECT_PER_CLIENT,
    profile: settings.RATE_LIMIT_PROFILE_PER_IP,
    mail: settings.RATE_LIMIT_MAIL_PER_IP,
  }
  const hooks = new Map<LimitName, onRequestAsyncHookHandler>()
  const reported = new OncePerWindow()
  // The key a request was refused under, from onExceeded to errorResponseBuilder (called in turn).
  const refusedKeys = new WeakMap<FastifyRequest, string>()
  for (const name of Object.keys(max) as LimitName[]) {
    const hook = app.rateLimit({
      max: max[name],
      timeWindow: settings.RATE_LIMIT_WINDOW * 1000,
      keyGenerator: keyOf(name, deps),
      onExceeded: (request: FastifyRequest, key: string) => {
        refusedKeys.set(request, key)
      },
      errorResponseBuilder: (request, context) => {
        deps.metrics?.countRateLimited?.()
        // One audit event (and log line) per limited key and window, however many requests it refuses.
        if (reported.first(refusedKeys.get(request) ?? name, context.ttl)) {
          void audit.record('rate_limited', { context: contextOf(request), detail: { limit: name } })
        }
        return new Throttled(Math.max(1, Math.ceil(context.ttl / 1000)))
      },
    })
    hooks.set(name, hook as onRequestAsyncHookHandler)
  }
  return (name) => {
    const hook = hooks.get(name)
    return hook ? [hook] : []
  }
}

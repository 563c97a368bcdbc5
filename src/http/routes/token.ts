import type { FastifyInstance } from 'fastify'
import { PATHS } from '../../protocol/paths.js'
import { readCharFields } from '../fields.js'
import type { RouteDeps } from '../deps.js'
import { contextOf, defineRoute } from '../route.js'

/** The simplejwt token endpoints: obtain, refresh, verify, blacklist, and sliding tokens. */
export function tokenRoutes(app: FastifyInstance, deps: RouteDeps, prefix: string): void {
  const { sessions, login, settings, authenticate } = deps
  const loginFieldName = settings.LOGIN_FIELD === 'email' ? 'email' : 'username'

  /** simplejwt's obtain serializer: the login field (LOGIN_FIELD) and an untrimmed password. */
  const credentials = (body: unknown): { login: string; password: string } => {
    const fields: Record<string, string> = readCharFields(body, {
      [loginFieldName]: { maxLength: 254 },
      password: { trim: false, maxLength: 4096 },
    })
    return { login: fields[loginFieldName] ?? '', password: fields.password ?? '' }
  }

  defineRoute(app, authenticate, {
    path: prefix + PATHS.tokenObtain,
    handlers: {
      POST: async (request) => {
        const { login: name, password } = credentials(request.body)
        const user = await login.authenticate(name, password)
        const pair = await sessions.obtainPair(user, contextOf(request))
        return { refresh: pair.refresh, access: pair.access }
      },
    },
  })

  defineRoute(app, authenticate, {
    path: prefix + PATHS.tokenRefresh,
    handlers: {
      POST: async (request) => {
        const { refresh } = readCharFields(request.body, { refresh: {} })
        return sessions.refresh(refresh, contextOf(request))
      },
    },
  })

  defineRoute(app, authenticate, {
    path: prefix + PATHS.tokenVerify,
    handlers: {
      POST: async (request) => {
        const { token } = readCharFields(request.body, { token: {} })
        await sessions.verify(token)
        return {}
      },
    },
  })

  defineRoute(app, authenticate, {
    path: prefix + PATHS.tokenBlacklist,
    handlers: {
      POST: async (request) => {
        const { refresh } = readCharFields(request.body, { refresh: {} })
        await sessions.blacklist(refresh, contextOf(request))
        return {}
      },
    },
  })

  defineRoute(app, authenticate, {
    path: prefix + PATHS.tokenSliding,
    handlers: {
      POST: async (request) => {
        const { login: name, password } = credentials(request.body)
        const user = await login.authenticate(name, password)
        return { token: await sessions.obtainSliding(user) }
      },
    },
  })

  defineRoute(app, authenticate, {
    path: prefix + PATHS.tokenSlidingRefresh,
    handlers: {
      POST: async (request) => {
        const { token } = readCharFields(request.body, { token: {} })
        return { token: await sessions.refreshSliding(token) }
      },
    },
  })
}

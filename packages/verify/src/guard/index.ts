/** The guards for a Fastify app, and the same checks as an Express middleware. */
export { type ExpressOptions, tesseraExpress } from './express.js'
export {
  type AuthenticatedRequest,
  admin,
  authenticated,
  authenticatedOrReadOnly,
  type Guard,
  type GuardOptions,
  guarded,
  hasRole,
  hasScope,
  recentAuth,
  requireMfa,
  type TesseraUser,
  tesseraAuth,
  type UserGuard,
} from './plugin.js'

/** `tessera/fastify`: guards for your own Fastify app, and an Express middleware. */
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
  type TesseraUser,
  tesseraAuth,
  type UserGuard,
} from './plugin.js'

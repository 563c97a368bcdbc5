/** `tessera/fastify`: guards for your own Fastify app, and an Express middleware. */
export { type ExpressOptions, tesseraExpress } from './express.js'
export {
  admin,
  authenticated,
  authenticatedOrReadOnly,
  type Guard,
  type GuardOptions,
  hasRole,
  hasScope,
  type TesseraUser,
  tesseraAuth,
} from './plugin.js'

import { ADMIN_PATHS, JWKS_PATH, PATHS } from '@tessera/protocol'
import { SettingsError } from '../core/errors.js'
import type { Settings } from './types.js'

/** `/a/`, `/a/b/`: path segments of unreserved characters, a slash at each end. */
const UI_PATH = /^(\/[A-Za-z0-9._~-]+)+\/$/

/** Paths the server answers outside `API_PREFIX`: the demo page's assets and the service routes. */
const ROOT_PATHS = ['/assets/', '/healthz', '/readyz', '/metrics', JWKS_PATH]

/** A route template (`/admin/users/{id}/`) as a pattern for the paths it matches. */
const routePattern = (path: string): RegExp =>
  new RegExp(`^${path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{\w+\}/g, '[^/]+')}/?$`)

/**
 * The admin web UI's settings: `ADMIN_UI_PATH` is a path of its own (the page, its `assets/` and
 * icon live under it), inside neither `API_PREFIX` nor the demo page's `/assets/`, and equal to no
 * API route (with an empty `API_PREFIX` the API shares the root); the UI calls the admin API, so
 * it needs `ADMIN_ENABLED`. Overlaps matter only while the UI is on.
 *
 * @throws SettingsError naming the setting
 */
export function checkAdminUi(settings: Settings): void {
  const path = settings.ADMIN_UI_PATH
  if (!UI_PATH.test(path)) {
    throw new SettingsError(
      'ADMIN_UI_PATH',
      'must start and end with "/" and name at least one segment, e.g. /admin/',
    )
  }
  if (settings.ADMIN_UI_ENABLED && !settings.ADMIN_ENABLED) {
    throw new SettingsError('ADMIN_UI_ENABLED', 'needs ADMIN_ENABLED: the UI works through the admin API')
  }
  // A UI that is off takes no path (embedded servers never serve it either).
  if (!settings.ADMIN_UI_ENABLED) return
  const api = settings.API_PREFIX
  if (api !== '' && (path.startsWith(`${api}/`) || `${api}/`.startsWith(path))) {
    throw new SettingsError(
      'ADMIN_UI_PATH',
      `must not overlap API_PREFIX (${api}): the UI and the API need paths of their own`,
    )
  }
  const taken = [
    ...ROOT_PATHS,
    ...[...Object.values(PATHS), ...Object.values(ADMIN_PATHS), '/schema/', '/docs/'].map((p) => api + p),
  ]
  const clash = taken.find(
    (route) => path.startsWith(route.endsWith('/') ? route : `${route}/`) || routePattern(route).test(path),
  )
  if (clash !== undefined) {
    throw new SettingsError('ADMIN_UI_PATH', `must not overlap a path the server answers (${clash})`)
  }
}

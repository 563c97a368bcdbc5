import type { AdminSession } from '@tessera/protocol'
import type { SessionRecord } from '../store/ports.js'

/**
 * A short human label for a user agent ("Firefox on Linux"), for the sessions list. A label, not
 * an identification: user agents lie, and nothing security-relevant depends on it. Hand-written
 * because a dozen patterns cover what a person needs to recognise their devices.
 */
const BROWSERS: [RegExp, string][] = [
  [/Edg(e|A|iOS)?\//, 'Edge'],
  [/OPR\/|Opera/, 'Opera'],
  [/Firefox\/|FxiOS\//, 'Firefox'],
  [/Chrome\/|CriOS\//, 'Chrome'],
  [/Safari\//, 'Safari'],
  [/curl\//, 'curl'],
  [/python-requests|aiohttp|httpx/, 'Python client'],
  [/node-fetch|undici|axios|Node\.js/, 'Node.js client'],
  [/okhttp/, 'Android app'],
]

const SYSTEMS: [RegExp, string][] = [
  [/Windows NT/, 'Windows'],
  [/iPhone|iPad|iOS/, 'iOS'],
  [/Android/, 'Android'],
  [/Mac OS X|Macintosh/, 'macOS'],
  [/CrOS/, 'ChromeOS'],
  [/Linux/, 'Linux'],
]

export function deviceLabel(userAgent: string | null): string {
  if (userAgent === null || userAgent.trim() === '') return 'Unknown device'
  const browser = BROWSERS.find(([pattern]) => pattern.test(userAgent))?.[1]
  const system = SYSTEMS.find(([pattern]) => pattern.test(userAgent))?.[1]
  if (browser && system) return `${browser} on ${system}`
  return browser ?? system ?? 'Unknown device'
}

/**
 * A user's live sessions as `GET /api/sessions/` and the admin API list them: one entry per login
 * (token family), its newest token, so siblings from a benign refresh race are one session.
 * `live` is newest first, as `TokenLedger.liveSessions` answers.
 */
export function sessionViews(live: readonly SessionRecord[]): AdminSession[] {
  const newestPerFamily = new Map<string, SessionRecord>()
  for (const session of live)
    if (!newestPerFamily.has(session.familyId)) newestPerFamily.set(session.familyId, session)
  return [...newestPerFamily.values()].map((session) => ({
    id: session.familyId,
    device: deviceLabel(session.userAgent),
    user_agent: session.userAgent,
    ip: session.ip,
    created: session.createdAt.toISOString(),
    last_used: (session.lastUsedAt ?? session.createdAt).toISOString(),
    expires: session.expiresAt.toISOString(),
  }))
}

import type { AccountAdmin } from '../accounts/admin.js'
import type { ClientAdmin } from '../accounts/clients.js'
import type { GroupAdmin } from '../accounts/group-admin.js'
import type { UserAdmin } from '../accounts/user-admin.js'
import type { AuditLog } from '../accounts/audit.js'
import type { EmailChange } from '../accounts/email-change.js'
import type { EmailVerification } from '../accounts/email-verification.js'
import type { PasswordReset } from '../accounts/password-reset.js'
import type { LoginService, PasswordVerifier } from '../accounts/login.js'
import type { SecondFactors } from '../accounts/mfa/factors.js'
import type { MfaLogin } from '../accounts/mfa/mfa-login.js'
import type { Passkeys } from '../accounts/mfa/passkeys.js'
import type { SessionService } from '../accounts/sessions.js'
import type { UserGate } from '../accounts/user-gate.js'
import type { KeyRing, KeyRingAdmin } from '../keys/index.js'
import type { Settings } from '../settings/types.js'
import type { Clock } from '../core/clock.js'
import type {
  AdminStore,
  ApiClientStore,
  RevocationStore,
  StoreLifecycle,
  TokenLedger,
  UserStore,
} from '../store/ports.js'
import type { TokenCodec } from '../tokens/codec.js'
import type { Authenticator } from './authenticate.js'
import type { Limiter } from './rate-limits.js'

/** The account mail flows (issue 20). */
export interface AccountMailFlows {
  readonly reset: PasswordReset
  readonly verification: EmailVerification
  readonly change: EmailChange
}

/** Second factors (issue 21). */
export interface MfaFlows {
  readonly factors: SecondFactors
  readonly login: MfaLogin
  readonly passkeys: Passkeys
}

/** What the admin API (`API_PREFIX/admin/`) works with: Tessera's own tables only. */
export interface AdminDeps {
  readonly directory: AdminStore
  readonly users: UserAdmin
  readonly groups: GroupAdmin
  readonly clients: ClientAdmin
  readonly accounts: Pick<AccountAdmin, 'blacklistToken'>
  /** The `KEY_DIR` ring file; absent when keys come from `SIGNING_KEY` or `SIGNING_KEYS`. */
  readonly keys?: KeyRingAdmin
}

/** Everything the HTTP layer uses, built by the composition root (`src/server`). */
export interface HttpDeps {
  readonly settings: Readonly<Settings>
  readonly codec: TokenCodec
  readonly keys: KeyRing
  readonly sessions: SessionService
  readonly login: LoginService
  readonly users: UserStore
  readonly hasher: PasswordVerifier
  readonly gate: UserGate
  readonly ledger: TokenLedger
  readonly accounts: Pick<AccountAdmin, 'revokeAll' | 'endSession'>
  readonly audit: AuditLog
  readonly clock: Clock
  /** Django's password validators, for password changes. */
  readonly validatePassword: (password: string, user: Record<string, string>) => string[]
  readonly database: StoreLifecycle
  /** The built demo front end (web/dist) served at `/` to browsers. */
  readonly demoDir?: string
  /** The built admin web UI (admin/dist) served at `ADMIN_UI_PATH`; standalone servers only. */
  readonly adminDir?: string
  /** RFC 7662 introspection clients; without them the endpoint is not served. */
  readonly clients?: ApiClientStore
  /** The revocation feeds, streamed to introspection clients; without them (or clients) no stream. */
  readonly revocations?: Pick<RevocationStore, 'cutoffsSince' | 'endedSessionsSince'>
  /** An ioredis client for shared rate-limit counters; absent = per-instance memory. */
  readonly rateLimitRedis?: unknown
  readonly rateLimitPrefix?: string
  /** Prometheus text for `/metrics`, and the verification-time observer. */
  readonly metrics?: {
    render: () => Promise<{ contentType: string; body: string }>
    observeVerification: (seconds: number) => void
    /** Counts a request refused by a rate limit (every one; the audit log has one per key and window). */
    countRateLimited?: () => void
  }
  /** Password reset, e-mail verification and change; without them those endpoints are not served. */
  readonly mail?: AccountMailFlows
  /** TOTP, recovery codes, passkeys and the second step of logins; without them logins are one step. */
  readonly mfa?: MfaFlows
  /**
   * The admin API, served when `ADMIN_ENABLED`; absent when an app brings its own users, ledger,
   * audit or clients store (its admin is its own).
   */
  readonly admin?: AdminDeps
  /** Readiness of other dependencies (Redis), by name. */
  readonly probes?: Readonly<Record<string, () => Promise<void>>>
}

export interface RouteDeps extends HttpDeps {
  readonly authenticate: Authenticator
  /** The rate-limit hooks for a kind of endpoint (none when limits are off). */
  readonly limit: Limiter
}

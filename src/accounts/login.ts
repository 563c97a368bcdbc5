import type { Clock } from '../core/clock.js'
import { EmailNotVerified, NoActiveAccount } from '../core/errors.js'
import { usernameKey } from '../core/username-key.js'
import type { LoginField } from '../settings/types.js'
import type { UserRecord, UserStore } from '../store/ports.js'
import type { LoginThrottle } from './login-throttle.js'
import type { FailureFloor } from './login-timing.js'
import { hashCostKind } from './passwords/cost-kind.js'
import { normalizeUsername } from './validators/username.js'

/** The password operations login needs; `passwords/hasher.ts` provides them. */
export interface PasswordVerifier {
  hash(password: string): Promise<string>
  verify(stored: string, password: string): Promise<{ ok: boolean; needsRehash: boolean }>
  /** Costs what a real verification costs: unknown users take as long as wrong passwords. */
  burn(password: string): Promise<void>
}

export interface LoginDeps {
  users: UserStore
  hasher: PasswordVerifier
  clock: Clock
  loginField: LoginField
  /** `UPDATE_LAST_LOGIN`: `recordLogin` writes `last_login`. */
  updateLastLogin: boolean
  /** Failed-login throttling per account and address; none when absent. */
  throttle?: LoginThrottle
  /** The time floor under failed logins; without it, failures answer as soon as they are known. */
  failureFloor?: FailureFloor
  /**
   * `REQUIRE_EMAIL_VERIFICATION`: a right password on an account whose address is not verified
   * (or whose store cannot say) is refused with `email_not_verified`.
   */
  requireEmailVerification?: boolean
}

/**
 * Checks credentials, and records completed logins. Unknown user, wrong password and inactive
 * user all end in the same error, answered no sooner than the failure floor (the slowest
 * verification the server performs), so neither the answer nor its timing tells which, nor which
 * hasher an account has.
 */
export class LoginService {
  constructor(private readonly deps: LoginDeps) {}

  /**
   * The account a login name names. With `username_or_email`, a name with "@" is an e-mail and
   * nothing else (registration refuses such usernames, so none can squat an address). Usernames
   * are NFKC-normalised as registration stores them; an imported name that is not in that form
   * is still found by its exact spelling.
   */
  async #find(login: string): Promise<UserRecord | undefined> {
    const { users, loginField } = this.deps
    if (loginField === 'email' || (loginField === 'username_or_email' && login.includes('@'))) {
      return users.findByEmail(login)
    }
    const normalized = normalizeUsername(login)
    const user = await users.findByUsername(normalized)
    return user !== undefined || normalized === login ? user : users.findByUsername(login)
  }

  /**
   * `ip` is the client's address, for the throttle's count (per account and address).
   *
   * @throws NoActiveAccount, Throttled, EmailNotVerified
   */
  async authenticate(login: string, password: string, ip: string | null = null): Promise<UserRecord> {
    const floor = this.deps.failureFloor
    if (floor === undefined) return this.#authenticate(login, password, ip)
    const startedAt = floor.now()
    void floor.prime()
    try {
      return await this.#authenticate(login, password, ip)
    } catch (error) {
      // Throttled answers are not delayed: they come after the same lookup for every name.
      if (error instanceof NoActiveAccount) await floor.waitFrom(startedAt)
      throw error
    }
  }

  async #authenticate(login: string, password: string, ip: string | null): Promise<UserRecord> {
    const { users, hasher, throttle } = this.deps
    const user = await this.#find(login)
    // Counted by account whatever name reached it; an unknown name by its normalised form.
    const account = user === undefined ? `name:${usernameKey(login)}` : `user:${user.id}`
    await throttle?.attempt(account, ip)
    if (user === undefined) {
      await this.#burn(password)
      throw new NoActiveAccount()
    }
    const { ok, needsRehash } = await this.#verify(user.passwordHash, password)
    if (!ok || !user.isActive) throw new NoActiveAccount()
    await throttle?.succeeded(account, ip)
    // Only after the password was found right: a guesser learns nothing from it.
    if (this.deps.requireEmailVerification === true && user.emailVerified !== true)
      throw new EmailNotVerified()
    // Imported Django hashes (and argon2id hashes with older parameters) upgrade at login.
    if (!needsRehash) return user
    return (await users.update(user.id, { passwordHash: await hasher.hash(password) })) ?? user
  }

  /**
   * A login of the user completed and its tokens are being issued: with `UPDATE_LAST_LOGIN`,
   * `last_login` becomes now (simplejwt's obtain serializers call `update_last_login` there).
   * Not for the password step of an account that still owes its second factor (no login yet),
   * nor for the tokens a refresh or a password change issues (no login at all).
   */
  async recordLogin(user: UserRecord): Promise<UserRecord> {
    if (!this.deps.updateLastLogin) return user
    const lastLogin = new Date(this.deps.clock.now())
    return (await this.deps.users.update(user.id, { lastLogin })) ?? user
  }

  /** The hasher's burn (no such user), its duration noted for the failure floor. */
  async #burn(password: string): Promise<void> {
    const floor = this.deps.failureFloor
    const started = floor?.now() ?? 0
    await this.deps.hasher.burn(password)
    floor?.observe('burn', floor.now() - started)
  }

  /** The hasher's verify, its duration noted for the failure floor under the hash's kind. */
  async #verify(stored: string, password: string): Promise<{ ok: boolean; needsRehash: boolean }> {
    const floor = this.deps.failureFloor
    if (floor === undefined) return this.deps.hasher.verify(stored, password)
    const started = floor.now()
    const result = await this.deps.hasher.verify(stored, password)
    floor.observe(hashCostKind(stored), floor.now() - started)
    return result
  }
}

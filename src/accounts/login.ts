import type { Clock } from '../core/clock.js'
import { NoActiveAccount } from '../core/errors.js'
import type { LoginField } from '../settings/types.js'
import type { UserRecord, UserStore } from '../store/ports.js'

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
  updateLastLogin: boolean
}

/**
 * Checks credentials. Unknown user, wrong password and inactive user all end in the same error
 * after the same work (one password hash), so neither the answer nor its timing tells which.
 */
export class LoginService {
  constructor(private readonly deps: LoginDeps) {}

  async #find(login: string): Promise<UserRecord | undefined> {
    const { users, loginField } = this.deps
    if (loginField === 'username') return users.findByUsername(login)
    if (loginField === 'email') return users.findByEmail(login)
    return (await users.findByUsername(login)) ?? (login.includes('@') ? users.findByEmail(login) : undefined)
  }

  /** @throws NoActiveAccount */
  async authenticate(login: string, password: string): Promise<UserRecord> {
    const { users, hasher, clock } = this.deps
    const user = await this.#find(login)
    if (user === undefined) {
      await hasher.burn(password)
      throw new NoActiveAccount()
    }
    const { ok, needsRehash } = await hasher.verify(user.passwordHash, password)
    if (!ok || !user.isActive) throw new NoActiveAccount()
    const patch: { passwordHash?: string; lastLogin?: Date } = {}
    // Imported Django hashes (and argon2id hashes with older parameters) upgrade at login.
    if (needsRehash) patch.passwordHash = await hasher.hash(password)
    if (this.deps.updateLastLogin) patch.lastLogin = new Date(clock.now())
    if (Object.keys(patch).length === 0) return user
    return (await users.update(user.id, patch)) ?? user
  }
}

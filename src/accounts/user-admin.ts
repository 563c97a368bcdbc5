import type { FieldErrors } from '@tessera/protocol'
import { PermissionDenied, UniqueViolation, UserNotFound, ValidationFailed } from '../core/errors.js'
import type { AdminStore, UserRecord, UserStore, UserWithGroups } from '../store/ports.js'
import { type AccountAdmin, type Actor, actorFacts } from './admin.js'
import type { AuditLog } from './audit.js'
import type { PasswordVerifier } from './login.js'
import { passwordLengthError } from './passwords/limits.js'
import { readCharFields, requireObject } from './validators/drf-fields.js'
import { runBooleanField, runStringListField } from './validators/drf-values.js'
import { validatePassword } from './validators/password.js'
import { readEmailField, type UsernameRules, validateRegistrationInput } from './validators/registration.js'

/** The fields an admin may change on a user (`PATCH`); anything else is refused, so typos surface. */
const EDITABLE = ['email', 'email_verified', 'is_active', 'is_staff', 'is_superuser', 'groups'] as const
type Editable = (typeof EDITABLE)[number]
const FLAGS = ['email_verified', 'is_active', 'is_staff', 'is_superuser'] as const

/** What a valid `PATCH` asks for. */
interface UserChange {
  email?: string
  email_verified?: boolean
  is_active?: boolean
  is_staff?: boolean
  is_superuser?: boolean
  groups?: string[]
}

/** Refusals of a superuser's changes to their own account: none of them can be undone by them. */
export const SELF_CHANGE_MESSAGES = Object.freeze({
  is_active: 'You cannot deactivate your own account.',
  is_staff: 'You cannot remove your own staff status.',
  is_superuser: 'You cannot remove your own superuser status.',
})

/**
 * Users as an operator manages them (the admin API; the CLI shares `AccountAdmin`): create, edit
 * e-mail, flags and groups, set a password, end sessions. Input is read with DRF's fields and
 * Django's validators; every change is audited with the actor. Taking rights away (deactivation,
 * demotion, a group removed, a new password) voids the user's tokens as logout-all does.
 */
export class UserAdmin {
  constructor(
    private readonly deps: {
      users: UserStore
      directory: Pick<AdminStore, 'existingGroups'>
      accounts: AccountAdmin
      hasher: Pick<PasswordVerifier, 'hash'>
      audit: Pick<AuditLog, 'record'>
      usernameRules: UsernameRules
    },
  ) {}

  async get(userId: number): Promise<UserWithGroups> {
    const user = await this.deps.users.findById(userId)
    if (user === undefined) throw new UserNotFound()
    return { user, groups: await this.deps.users.groupNames(userId) }
  }

  /**
   * `{username, email, password}` as registration checks them (Django's password validators
   * included), plus optional flags and existing groups.
   *
   * @throws ValidationFailed, UniqueViolation
   */
  async create(body: unknown, by: Actor): Promise<UserWithGroups> {
    if (!by.isSuperuser) throw new PermissionDenied()
    const source = requireObject(body)
    const checked = validateRegistrationInput(source, this.deps.usernameRules)
    const errors: FieldErrors = checked.ok ? {} : { ...checked.errors }
    const extra = await this.#readChange(
      Object.fromEntries(
        Object.entries(source).filter(([key]) => !['username', 'email', 'password'].includes(key)),
      ),
      errors,
    )
    if (checked.ok) {
      const { users } = this.deps
      const { username, email } = checked.value
      const taken =
        (await users.findByUsername(username)) !== undefined ||
        (users.findByUsernameKey !== undefined && (await users.findByUsernameKey(username)) !== undefined)
      if (taken) errors.username = ['A user with that username already exists.']
      if ((await users.findByEmail(email)) !== undefined) errors.email = ['This field must be unique.']
    }
    if (!checked.ok || Object.keys(errors).length > 0) throw new ValidationFailed(errors)
    const { value } = checked
    const user = await this.deps.users.create({
      username: value.username,
      email: value.email,
      passwordHash: await this.deps.hasher.hash(value.password),
      isActive: extra.is_active ?? true,
      isStaff: extra.is_staff ?? false,
      isSuperuser: extra.is_superuser ?? false,
      emailVerified: extra.email_verified ?? false,
    })
    if (extra.groups !== undefined) await this.deps.users.setGroups(user.id, extra.groups)
    await this.deps.audit.record(
      'user_created',
      actorFacts(by, user.id, {
        staff: user.isStaff,
        superuser: user.isSuperuser,
        active: user.isActive,
        groups: extra.groups ?? [],
      }),
    )
    return this.get(user.id)
  }

  /**
   * Applies a `PATCH`: every field is checked before anything changes. A superuser cannot
   * deactivate or demote themselves (there would be nobody to undo it for them); only superusers
   * change flags and groups.
   *
   * @throws ValidationFailed, UniqueViolation, UserNotFound, PermissionDenied
   */
  async update(userId: number, body: unknown, by: Actor): Promise<UserWithGroups> {
    if (!by.isSuperuser) throw new PermissionDenied()
    const source = requireObject(body)
    const errors: FieldErrors = {}
    const unknown = Object.keys(source).filter((key) => !(EDITABLE as readonly string[]).includes(key))
    for (const key of unknown) errors[key] = ['This field cannot be changed.']
    const change = await this.#readChange(source, errors)
    const before = (await this.get(userId)).user
    if (userId === by.userId) {
      for (const flag of ['is_active', 'is_staff', 'is_superuser'] as const) {
        if (change[flag] === false && before[flagKey(flag)]) errors[flag] = [SELF_CHANGE_MESSAGES[flag]]
      }
    }
    if (Object.keys(errors).length > 0) throw new ValidationFailed(errors)
    const { accounts, users } = this.deps
    if (change.email !== undefined && change.email !== before.email) {
      const owner = await users.findByEmail(change.email)
      if (owner !== undefined && owner.id !== userId) throw new UniqueViolation(['email'])
      await users.update(userId, {
        email: change.email,
        ...(change.email_verified === undefined ? {} : { emailVerified: change.email_verified }),
      })
      await this.deps.audit.record('user_email_changed', actorFacts(by, userId, { email: change.email }))
    } else if (change.email_verified !== undefined && change.email_verified !== before.emailVerified) {
      await users.update(userId, { emailVerified: change.email_verified })
    }
    if (change.is_staff !== undefined || change.is_superuser !== undefined) {
      const flags = {
        ...(change.is_staff === undefined ? {} : { isStaff: change.is_staff }),
        ...(change.is_superuser === undefined ? {} : { isSuperuser: change.is_superuser }),
      }
      const changed =
        (flags.isStaff !== undefined && flags.isStaff !== before.isStaff) ||
        (flags.isSuperuser !== undefined && flags.isSuperuser !== before.isSuperuser)
      if (changed) await accounts.setFlags(userId, flags, by)
    }
    if (change.is_active !== undefined && change.is_active !== before.isActive) {
      await accounts.setActive(userId, change.is_active, by)
    }
    if (change.groups !== undefined) await accounts.setGroups(userId, change.groups, by)
    return this.get(userId)
  }

  /**
   * Sets a new password, checked by Django's validators against the user's attributes; every
   * session of the user ends, as after their own password change.
   *
   * @throws ValidationFailed, UserNotFound
   */
  async setPassword(userId: number, body: unknown, by: Actor): Promise<void> {
    const { password } = readCharFields(body, {
      password: { trimWhitespace: false, validators: [passwordLengthError] },
    })
    const { user } = await this.get(userId)
    const problems = validatePassword(password, {
      username: user.username,
      email: user.email,
      first_name: user.firstName,
      last_name: user.lastName,
    })
    if (problems.length > 0) throw new ValidationFailed({ password: problems })
    await this.deps.users.update(userId, { passwordHash: await this.deps.hasher.hash(password) })
    await this.deps.accounts.revokeAll(userId)
    await this.deps.audit.record('password_changed', actorFacts(by, userId, { by_admin: true }))
  }

  /** Ends every session of the user (logout-all on their behalf). */
  async logoutAll(userId: number, by: Actor): Promise<number> {
    await this.get(userId)
    const ended = await this.deps.accounts.revokeAll(userId)
    await this.deps.audit.record('logout_all', actorFacts(by, userId, { sessions: ended }))
    return ended
  }

  /** Ends one session of the user. */
  async endSession(userId: number, sessionId: string, by: Actor): Promise<void> {
    await this.deps.accounts.endSession(userId, sessionId)
    await this.deps.audit.record('session_revoked', actorFacts(by, userId, { session: sessionId }))
  }

  /** The fields of a change or of a creation's extras; errors are added to `errors`. */
  async #readChange(source: Readonly<Record<string, unknown>>, errors: FieldErrors): Promise<UserChange> {
    const change: UserChange = {}
    if (Object.hasOwn(source, 'email')) {
      const email = readEmailField(true, source.email)
      if (email.ok) change.email = email.value
      else errors.email = email.errors
    }
    for (const flag of FLAGS) {
      if (!Object.hasOwn(source, flag)) continue
      const result = runBooleanField(source[flag])
      if (result.ok) change[flag] = result.value
      else errors[flag] = result.errors
    }
    if (Object.hasOwn(source, 'groups')) {
      const result = runStringListField(source.groups)
      if (!result.ok) errors.groups = result.errors
      else {
        const names = [...new Set(result.value)]
        const existing = new Set(await this.deps.directory.existingGroups(names))
        const missing = names.filter((name) => !existing.has(name))
        if (missing.length > 0)
          errors.groups = missing.map((name) => `Object with name=${name} does not exist.`)
        else change.groups = names
      }
    }
    return change
  }
}

const flagKey = (flag: Exclude<Editable, 'email' | 'groups' | 'email_verified'>): keyof UserRecord =>
  flag === 'is_active' ? 'isActive' : flag === 'is_staff' ? 'isStaff' : 'isSuperuser'

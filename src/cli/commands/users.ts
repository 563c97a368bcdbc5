import { readFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import type { NewUser } from '../../store/ports.js'
import type { CliIO, Command } from '../command.js'
import { withStores } from '../context.js'

interface DjangoRecord {
  model: string
  pk: number
  fields: Record<string, unknown>
}

const isRecord = (value: unknown): value is DjangoRecord =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as DjangoRecord).model === 'string' &&
  Number.isSafeInteger((value as DjangoRecord).pk) &&
  typeof (value as DjangoRecord).fields === 'object' &&
  (value as DjangoRecord).fields !== null

/** C0/C1 controls and the invisible bidirectional overrides (Trojan Source). */
const UNPRINTABLE = /[\p{Cc}\u202a-\u202e\u2066-\u2069]/u
/** The name quoted, with those characters as `\uXXXX`, so the report shows them. */
const printable = (name: string): string =>
  `"${name.replace(new RegExp(UNPRINTABLE.source, 'gu'), (char) => `\\u${char.codePointAt(0)?.toString(16).padStart(4, '0')}`)}"`

const text = (value: unknown): string => (typeof value === 'string' ? value : '')
const date = (value: unknown): Date | null => {
  if (typeof value !== 'string') return null
  const parsed = new Date(value)
  return Number.isNaN(parsed.getTime()) ? null : parsed
}

/**
 * Users and groups from `manage.py dumpdata auth.user auth.group` (or a custom user model with
 * the same fields). User ids are kept, so tokens a Django service issued keep naming the same user
 * during a gradual move; password hashes are kept as they are and upgraded at the next login.
 * An address counts as verified when the dump says so: an `email_verified` field on a custom user
 * model, or a verified django-allauth `account.emailaddress` for the user's own address (add
 * `account.emailaddress` to the dumpdata command). Anything else arrives unverified.
 */
export function parseDjangoDump(json: string): {
  users: (NewUser & { groups: string[] })[]
  groups: string[]
} {
  const data: unknown = JSON.parse(json)
  if (!Array.isArray(data)) throw new Error('expected a JSON array as written by manage.py dumpdata')
  const records = data.filter(isRecord)
  const groupNames = new Map<number, string>()
  for (const record of records) {
    if (record.model === 'auth.group' && typeof record.fields.name === 'string') {
      groupNames.set(record.pk, record.fields.name)
    }
  }
  /** `userPk:lower-cased address` of every verified django-allauth address. */
  const verifiedAddresses = new Set(
    records
      .filter((record) => record.model === 'account.emailaddress' && record.fields.verified === true)
      .map((record) => `${String(record.fields.user)}:${text(record.fields.email).toLowerCase()}`),
  )
  const users = records
    .filter((record) => record.model.endsWith('.user') && typeof record.fields.username === 'string')
    .map((record) => {
      const f = record.fields
      const groups = Array.isArray(f.groups)
        ? f.groups.flatMap((id) => {
            const name = typeof id === 'number' ? groupNames.get(id) : Array.isArray(id) ? id[0] : undefined
            return typeof name === 'string' ? [name] : []
          })
        : []
      return {
        id: record.pk,
        username: text(f.username),
        email: text(f.email),
        passwordHash: text(f.password) || '!',
        firstName: text(f.first_name),
        lastName: text(f.last_name),
        isActive: f.is_active !== false,
        isStaff: f.is_staff === true,
        isSuperuser: f.is_superuser === true,
        dateJoined: date(f.date_joined) ?? new Date(),
        lastLogin: date(f.last_login),
        emailVerified:
          f.email_verified === true || verifiedAddresses.has(`${record.pk}:${text(f.email).toLowerCase()}`),
        groups,
      }
    })
  return { users, groups: [...groupNames.values()] }
}

const USAGE = `usage: tessera users <import-django|activate|deactivate|staff|superuser|reset-mfa> …
  import-django FILE           import a Django dumpdata of auth.user and auth.group
  activate USERNAME            the user may log in again
  deactivate USERNAME          the user may not log in; their tokens are voided, as logout-all does
  staff USERNAME on|off        the is_staff flag (the admin guard); off voids their tokens
  superuser USERNAME on|off    the is_superuser flag; off voids their tokens
  reset-mfa USERNAME           removes every second factor (TOTP, passkeys, recovery codes) and ends every session
`

/** `reset-mfa`: a user who lost every factor logs in with the password alone again. Audited. */
async function resetMfa(username: string, io: CliIO): Promise<number> {
  return withStores(io, async ({ stores, accounts, factors }) => {
    const user = await stores.users.findByUsername(username)
    if (user === undefined) {
      io.stderr.write(`Error: user '${username}' does not exist\n`)
      return 1
    }
    const removed = await factors.reset(user.id, 'cli')
    const sessions = await accounts.revokeAll(user.id)
    io.stdout.write(
      `User '${username}': second factors removed (TOTP ${removed.totp ? 'on' : 'off'} before, ${removed.passkeys} passkey(s)); ${sessions} session token(s) ended.\n`,
    )
    return 0
  })
}

/** `activate`, `deactivate`, `staff`, `superuser`: one user's access. Every change is audited. */
async function changeAccess(
  sub: string,
  username: string,
  value: string | undefined,
  io: CliIO,
): Promise<number> {
  const flag = sub === 'staff' || sub === 'superuser'
  if (flag && value !== 'on' && value !== 'off') {
    io.stderr.write(USAGE)
    return 2
  }
  return withStores(io, async ({ stores, accounts }) => {
    const user = await stores.users.findByUsername(username)
    if (user === undefined) {
      io.stderr.write(`Error: user '${username}' does not exist\n`)
      return 1
    }
    if (!flag) {
      const active = sub === 'activate'
      await accounts.setActive(user.id, active)
      io.stdout.write(
        active
          ? `User '${username}' activated.\n`
          : `User '${username}' deactivated; their tokens are void.\n`,
      )
      return 0
    }
    const on = value === 'on'
    await accounts.setFlags(user.id, sub === 'staff' ? { isStaff: on } : { isSuperuser: on })
    io.stdout.write(`User '${username}': ${sub} ${value}${on ? '' : '; their tokens are void'}.\n`)
    return 0
  })
}

export const usersCommand: Command = {
  name: 'users',
  summary: 'users import-django|activate|deactivate|staff|superuser|reset-mfa: import and manage users',
  async run(args, io) {
    const [sub, target, value] = args
    if (sub === 'reset-mfa' && target !== undefined) return resetMfa(target, io)
    if (
      target !== undefined &&
      (sub === 'activate' || sub === 'deactivate' || sub === 'staff' || sub === 'superuser')
    ) {
      return changeAccess(sub, target, value, io)
    }
    const file = target
    if (sub !== 'import-django' || file === undefined) {
      io.stderr.write(USAGE)
      return 2
    }
    let dump: ReturnType<typeof parseDjangoDump>
    try {
      dump = parseDjangoDump(await readFile(resolve(io.cwd, file), 'utf8'))
    } catch (error) {
      io.stderr.write(`cannot read ${file}: ${(error as Error).message}\n`)
      return 1
    }
    // Names that would print or compare deceptively are refused before anything is written.
    const refused = dump.users.filter((user) => UNPRINTABLE.test(user.username) || user.username === '')
    const importable = dump.users.filter((user) => !refused.includes(user))
    return withStores(io, async ({ stores }) => {
      let report: Awaited<ReturnType<typeof stores.users.importUsers>>
      try {
        report = await stores.users.importUsers(importable)
      } catch (error) {
        io.stderr.write(`Import failed, nothing was imported: ${(error as Error).message}\n`)
        return 1
      }
      const skipped = [
        ...refused.map((user) => `${printable(user.username)} (pk ${user.id}: control characters or empty)`),
        ...report.skipped.map((user) => `${user.username} (${user.reasons.join(', ')})`),
      ]
      io.stdout.write(`Imported ${report.imported} user(s).\n`)
      if (skipped.length > 0) io.stdout.write(`Skipped ${skipped.length}: ${skipped.join(', ')}\n`)
      return 0
    })
  },
}

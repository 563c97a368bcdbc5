import { AccountAdmin } from '../accounts/admin.js'
import { AuditLog, SILENT_AUDIT_LOGGER } from '../accounts/audit.js'
import { ClientAdmin } from '../accounts/clients.js'
import { GroupAdmin } from '../accounts/group-admin.js'
import type { PasswordHasher } from '../accounts/passwords/index.js'
import { Background } from '../accounts/background.js'
import { SecondFactors } from '../accounts/mfa/factors.js'
import { factorNotifier } from '../accounts/mfa/notices.js'
import { secretBoxFor } from '../accounts/mfa/secret-box.js'
import { UserGate } from '../accounts/user-gate.js'
import { MailTemplates, Outbox } from '../mail/index.js'
import { systemClock } from '../core/clock.js'
import { loadSettings, settingSource } from '../settings/load.js'
import type { Settings } from '../settings/types.js'
import type { SqlStores, SqlUserStore } from '../store/sql/index.js'
import { explainDatabaseError, openConfiguredStores } from './database.js'
import { passwordHasherFor } from '../node/password-hasher.js'

export { groupNameProblem } from '../accounts/group-admin.js'
export { validateEmail, validatePassword, validateUsername } from '../accounts/validators/index.js'

/** What an operator command (the CLI) works with: the settings, the database and the hasher. */
export interface OperatorContext {
  readonly settings: Readonly<Settings>
  readonly stores: SqlStores<SqlUserStore>
  readonly hasher: PasswordHasher
  /** Ends users' sessions the way the server does (running instances learn of it by polling). */
  readonly accounts: AccountAdmin
  /** The audit log, in the database like the server's (no log lines: the command prints). */
  readonly audit: AuditLog
  /** Second factors: the operator's reset; notices go to the outbox (the servers send them). */
  readonly factors: SecondFactors
  /** Groups as the admin API manages them (the same checks and audit events). */
  readonly groups: GroupAdmin
  /** Introspection clients as the admin API manages them. */
  readonly clients: ClientAdmin
}

/** Loads settings from `env`, opens the database, runs `work`, and closes it whatever happens. */
export async function withOperatorContext<T>(
  env: Readonly<Record<string, string | undefined>>,
  work: (context: OperatorContext) => Promise<T>,
): Promise<T> {
  // Operator commands use the database, never the signing keys nor the HTTP settings.
  const settings = loadSettings({ env, uses: ['database'] })
  const explain = (error: unknown) =>
    explainDatabaseError(error, settings.DATABASE_URL, settingSource(env, 'DATABASE_URL'))
  const stores = await openConfiguredStores(settings, 2).catch((error: unknown) => {
    throw explain(error)
  })
  const hasher = passwordHasherFor(settings)
  const audit = new AuditLog(stores.audit, SILENT_AUDIT_LOGGER, systemClock)
  const accounts = new AccountAdmin({
    audit,
    users: stores.users,
    ledger: stores.ledger,
    revocations: stores.revocations,
    gate: new UserGate(stores.users, stores.revocations, systemClock),
    clock: systemClock,
    settings,
  })
  const background = new Background(() => {})
  const outbox = new Outbox(stores.outbox, MailTemplates.load(settings.EMAIL_TEMPLATES_DIR), systemClock)
  const factors = new SecondFactors({
    store: stores.mfa,
    passkeys: stores.passkeys,
    box: secretBoxFor(settings),
    clock: systemClock,
    audit,
    issuer: settings.TOTP_ISSUER,
    window: settings.TOTP_WINDOW,
    notify: factorNotifier({ users: stores.users, send: (mail) => outbox.queue(mail), background }),
  })
  const groups = new GroupAdmin({ directory: stores.admin, users: stores.users, accounts, audit })
  const clients = new ClientAdmin({ clients: stores.clients, directory: stores.admin, audit })
  try {
    return await work({ settings, stores, hasher, accounts, audit, factors, groups, clients })
  } catch (error) {
    throw explain(error)
  } finally {
    await background.drain()
    await stores.lifecycle.close()
  }
}

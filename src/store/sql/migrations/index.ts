/**
 * Every schema version, in order. Names sort lexically (Kysely applies them in name order), and a
 * released migration is never edited: changes go in a new file.
 */
import { migration as core } from './0001_core.js'
import { migration as tokens } from './0002_tokens.js'
import { migration as revocationAudit } from './0003_revocation_audit.js'
import { migration as apiClients } from './0004_api_clients.js'
import { migration as rotateFunction } from './0005_rotate_function.js'
import { migration as refreshFunction } from './0006_refresh_function.js'
import { migration as endedSessions } from './0007_ended_sessions.js'
import { migration as usernameKey } from './0008_username_key.js'
import { migration as refreshOneAlgorithm } from './0009_refresh_one_algorithm.js'
import { migration as appUsers } from './0010_app_users.js'
import { migration as accountMail } from './0011_account_mail.js'
import { migration as mfa } from './0012_mfa.js'
import type { DialectMigration } from './types.js'

export type { DialectMigration } from './types.js'

export const MIGRATIONS: Readonly<Record<string, DialectMigration>> = {
  '0001_core': core,
  '0002_tokens': tokens,
  '0003_revocation_audit': revocationAudit,
  '0004_api_clients': apiClients,
  '0005_rotate_function': rotateFunction,
  '0006_refresh_function': refreshFunction,
  '0007_ended_sessions': endedSessions,
  '0008_username_key': usernameKey,
  '0009_refresh_one_algorithm': refreshOneAlgorithm,
  '0010_app_users': appUsers,
  '0011_account_mail': accountMail,
  '0012_mfa': mfa,
}

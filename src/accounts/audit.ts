import type { Clock } from '../core/clock.js'
import type { AuditStore } from '../store/ports.js'
import type { RequestContext } from './context.js'

export const AUDIT_EVENTS = [
  'login_succeeded',
  'login_failed',
  'register',
  'refresh',
  'refresh_reuse_detected',
  'logout',
  'logout_all',
  'password_changed',
  'session_revoked',
  'rate_limited',
  'key_rotated',
  // Account mail (issue 20).
  'password_reset_requested',
  'password_reset',
  'email_verification_sent',
  'email_verified',
  'email_change_requested',
  'email_changed',
  'email_change_cancelled',
  'register_existing_email',
  // Operator changes (the CLI): who may do what.
  'user_activated',
  'user_deactivated',
  'user_roles_changed',
  'group_created',
  'group_member_added',
  'group_member_removed',
  // Second factors (issue 21).
  'mfa_challenge_issued',
  'mfa_failed',
  'mfa_totp_enabled',
  'mfa_totp_disabled',
  'mfa_recovery_codes_regenerated',
  'mfa_recovery_code_used',
  'mfa_reset',
  'passkey_added',
  'passkey_removed',
  'passkey_login_failed',
  // The admin API (issue 22); its events carry the acting user as `detail.actor`.
  'user_created',
  'user_email_changed',
  'group_renamed',
  'group_deleted',
  'token_blacklisted',
  'client_created',
  'client_secret_rotated',
  'client_deleted',
  'key_staged',
  'key_promoted',
  'key_retired',
  'audit_exported',
] as const
export type AuditEventName = (typeof AUDIT_EVENTS)[number]

/** The part of a pino logger the audit log writes to. */
export interface AuditLogger {
  info(object: object, message: string): void
  warn(object: object, message: string): void
}

export interface AuditFacts {
  userId?: number | null
  context?: RequestContext
  /** Extra facts. Never a password, token, key or cookie: the logger redacts those names anyway. */
  detail?: Record<string, unknown>
}

/**
 * Security events, in the `audit_events` table and as structured log lines. Writing is
 * best-effort and off the request's path: a failing audit write is logged, never turned into a
 * failed login or refresh.
 */
export class AuditLog {
  constructor(
    private readonly store: AuditStore,
    private readonly logger: AuditLogger,
    private readonly clock: Clock,
    /** Also told of every event (metrics counters). */
    private readonly listener: (event: AuditEventName) => void = () => {},
  ) {}

  record(event: AuditEventName, facts: AuditFacts = {}): Promise<void> {
    const entry = {
      at: new Date(this.clock.now()),
      event,
      userId: facts.userId ?? null,
      ip: facts.context?.ip ?? null,
      userAgent: facts.context?.userAgent ?? null,
      detail: facts.detail ?? {},
    }
    this.listener(event)
    this.logger.info(
      { audit: event, userId: entry.userId, ip: entry.ip, detail: entry.detail },
      `audit: ${event}`,
    )
    return this.store.write(entry).catch((error: unknown) => {
      this.logger.warn({ err: error, audit: event }, 'audit event not stored')
    })
  }
}

/** For code paths built without a logger (tests, the CLI). */
export const SILENT_AUDIT_LOGGER: AuditLogger = { info() {}, warn() {} }

import { Counter, collectDefaultMetrics, Registry } from 'prom-client'
import type { AuditEventName } from '../accounts/audit.js'
import { FixedHistogram } from './fixed-histogram.js'

/**
 * Prometheus metrics of one process (prom-client): what operators alert on. Security events are
 * counted from the audit stream, so the counters and the audit table can never disagree.
 * Default metrics include event-loop lag (`nodejs_eventloop_lag_seconds`), heap and CPU.
 */
export class TesseraMetrics {
  readonly registry = new Registry()
  readonly #logins: Counter<'outcome'>
  readonly #refreshes: Counter
  readonly #reuse: Counter
  readonly #rateLimited: Counter
  readonly #verification: FixedHistogram

  constructor(labels: Record<string, string> = {}) {
    this.registry.setDefaultLabels(labels)
    collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: 10 })
    this.#logins = new Counter({
      name: 'tessera_logins_total',
      help: 'Login attempts by outcome',
      labelNames: ['outcome'],
      registers: [this.registry],
    })
    this.#refreshes = new Counter({
      name: 'tessera_refreshes_total',
      help: 'Successful token refreshes',
      registers: [this.registry],
    })
    this.#reuse = new Counter({
      name: 'tessera_refresh_reuse_detected_total',
      help: 'Rotated refresh tokens replayed after the reuse interval (families revoked)',
      registers: [this.registry],
    })
    this.#rateLimited = new Counter({
      name: 'tessera_rate_limited_total',
      help: 'Requests refused by a rate limit',
      registers: [this.registry],
    })
    this.#verification = new FixedHistogram(
      'tessera_token_verification_seconds',
      'Time to verify an access token on a protected request (signature, or the verified-token cache)',
      [0.00001, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01],
      this.registry,
    )
    // Zero-valued series exist from the start, so rates and alerts work before the first event.
    this.#logins.inc({ outcome: 'success' }, 0)
    this.#logins.inc({ outcome: 'failure' }, 0)
  }

  /** Feeds counters from audit events. */
  onAudit = (event: AuditEventName): void => {
    if (event === 'login_succeeded') this.#logins.inc({ outcome: 'success' })
    else if (event === 'login_failed') this.#logins.inc({ outcome: 'failure' })
    else if (event === 'refresh') this.#refreshes.inc()
    else if (event === 'refresh_reuse_detected') this.#reuse.inc()
  }

  /** Every refused request; the `rate_limited` audit event is written once per key and window. */
  onRateLimited = (): void => {
    this.#rateLimited.inc()
  }

  observeVerification = (seconds: number): void => {
    this.#verification.observe(seconds)
  }
}

/**
 * The floor under failed logins: a failed attempt is answered no sooner than the slowest password
 * verification this server performs takes, so the response time does not tell unknown names,
 * inactive accounts and wrong passwords apart, whatever hasher the account has (argon2id, or
 * Django's PBKDF2 on imported accounts). The wait is a timer, not work: it costs no CPU, and
 * successful logins never wait.
 *
 * What a verification costs is learnt per hash kind (`hashCostKind`): each kind keeps its last few
 * durations and counts by the largest, so the floor follows the machine's load up at once (a
 * failure whose own verification was just noted is never slower than the floor) and back down
 * within a few logins. Reference verifications (a burn, a PBKDF2 check at the configured iteration count) are
 * measured once on first need, so the floor covers imported accounts before any of them is tried.
 */
import { setTimeout as sleep } from 'node:timers/promises'

export interface CostReference {
  /** The kind it stands for (`hashCostKind` of such a hash, or `burn`). */
  kind: string
  /** Performs one verification of that kind; its result is ignored. */
  run(): Promise<unknown>
}

export interface FailureFloorOptions {
  references: readonly CostReference[]
  /** Durations kept per kind. */
  samplesPerKind?: number
  /** Kinds remembered; more are not tracked (stored hashes are data). */
  maxKinds?: number
  now?: () => number
}

export class FailureFloor {
  readonly #samples = new Map<string, number[]>()
  readonly #references: readonly CostReference[]
  readonly #samplesPerKind: number
  readonly #maxKinds: number
  readonly #now: () => number
  #primed: Promise<void> | undefined

  constructor(options: FailureFloorOptions) {
    this.#references = options.references
    this.#samplesPerKind = options.samplesPerKind ?? 5
    this.#maxKinds = options.maxKinds ?? 32
    this.#now = options.now ?? (() => performance.now())
  }

  /** The current time on the floor's clock (a monotonic millisecond clock). */
  now(): number {
    return this.#now()
  }

  /** Measures the references, one after another, once; later calls share the first run. */
  prime(): Promise<void> {
    this.#primed ??= (async () => {
      for (const reference of this.#references) {
        const started = this.#now()
        try {
          await reference.run()
        } catch {
          continue
        }
        this.observe(reference.kind, this.#now() - started)
      }
    })()
    return this.#primed
  }

  /** Records what one verification of `kind` took. */
  observe(kind: string, ms: number): void {
    let samples = this.#samples.get(kind)
    if (samples === undefined) {
      if (this.#samples.size >= this.#maxKinds) return
      samples = []
      this.#samples.set(kind, samples)
    }
    samples.push(ms)
    if (samples.length > this.#samplesPerKind) samples.shift()
  }

  /** The floor: the largest recent cost among the kinds seen. */
  floorMs(): number {
    let floor = 0
    for (const samples of this.#samples.values()) floor = Math.max(floor, ...samples)
    return floor
  }

  /** Resolves once a failed attempt that started at `startedAt` (from `now()`) may be answered. */
  async waitFrom(startedAt: number): Promise<void> {
    await this.prime()
    const remaining = startedAt + this.floorMs() - this.#now()
    if (remaining > 0) await sleep(remaining)
  }
}

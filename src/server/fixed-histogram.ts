/**
 * A Prometheus histogram with fixed buckets and no labels, for a value observed on every protected
 * request: `observe` only adds to a bucket, a sum and a count; the exposition (cumulative buckets,
 * `+Inf`, `_sum`, `_count`, as prom-client's own histograms) is built when a scrape asks for it.
 *
 * Why not prom-client's Histogram: its `observe` validates and hashes a labels object and looks the
 * bucket up by its bound turned into a property name, on every call (bench/FINDINGS.md); this one
 * registers in the same prom-client registry and reads the same to Prometheus.
 */
import type { Metric, Registry } from 'prom-client'

interface ExportedValue {
  readonly metricName: string
  readonly labels: Readonly<Record<string, string | number>>
  readonly value: number
}

export class FixedHistogram {
  readonly type = 'histogram'
  readonly aggregator = 'sum'
  readonly #bounds: readonly number[]
  /** Observations per bucket, not cumulative; the last one is above every bound. */
  readonly #counts: Float64Array
  #sum = 0
  #count = 0

  constructor(
    readonly name: string,
    readonly help: string,
    bounds: readonly number[],
    registry: Registry,
  ) {
    if (bounds.some((bound, i) => !Number.isFinite(bound) || (i > 0 && bound <= (bounds[i - 1] ?? 0)))) {
      throw new TypeError(`${name}: bucket bounds must be finite and increasing`)
    }
    this.#bounds = [...bounds]
    this.#counts = new Float64Array(bounds.length + 1)
    registry.registerMetric(this as unknown as Metric)
  }

  /** Adds one observation; a value that is not a finite number is ignored. */
  observe(value: number): void {
    if (!Number.isFinite(value)) return
    const bounds = this.#bounds
    let bucket = 0
    while (bucket < bounds.length && value > (bounds[bucket] as number)) bucket++
    this.#counts[bucket] = (this.#counts[bucket] as number) + 1
    this.#sum += value
    this.#count++
  }

  /** prom-client's view of the metric, read by the registry at each scrape. */
  get(): { name: string; help: string; type: string; aggregator: string; values: ExportedValue[] } {
    const bucketName = `${this.name}_bucket`
    const values: ExportedValue[] = []
    let cumulative = 0
    this.#bounds.forEach((bound, i) => {
      cumulative += this.#counts[i] as number
      values.push({ metricName: bucketName, labels: { le: bound }, value: cumulative })
    })
    values.push(
      { metricName: bucketName, labels: { le: '+Inf' }, value: this.#count },
      { metricName: `${this.name}_sum`, labels: {}, value: this.#sum },
      { metricName: `${this.name}_count`, labels: {}, value: this.#count },
    )
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values }
  }

  /** What `registry.resetMetrics()` calls. */
  reset(): void {
    this.#counts.fill(0)
    this.#sum = 0
    this.#count = 0
  }
}

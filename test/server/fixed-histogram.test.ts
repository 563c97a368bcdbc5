/**
 * FixedHistogram against prom-client's own Histogram: the same observations give the same
 * Prometheus text (buckets, `+Inf`, sum, count), also after a reset.
 */
import fc from 'fast-check'
import { Histogram, Registry } from 'prom-client'
import { describe, expect, it } from 'vitest'
import { FixedHistogram } from '../../src/server/fixed-histogram.js'

const BOUNDS = [0.00001, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01]
const NAME = 'test_verification_seconds'
const HELP = 'Time to verify'

function pair() {
  const ours = new Registry()
  const theirs = new Registry()
  for (const registry of [ours, theirs]) registry.setDefaultLabels({ instance: 'a' })
  const fixed = new FixedHistogram(NAME, HELP, BOUNDS, ours)
  const reference = new Histogram({ name: NAME, help: HELP, buckets: BOUNDS, registers: [theirs] })
  return { ours, theirs, fixed, reference }
}

describe('FixedHistogram', () => {
  it('exposes what prom-client exposes for the same observations', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.oneof(
            fc.constantFrom(0, ...BOUNDS),
            fc.double({ min: 0, max: 0.05, noNaN: true }),
            fc.double({ min: 0, max: 1e-4, noNaN: true }),
          ),
          { maxLength: 200 },
        ),
        async (values) => {
          const { ours, theirs, fixed, reference } = pair()
          for (const value of values) {
            fixed.observe(value)
            reference.observe(value)
          }
          expect(await ours.metrics()).toBe(await theirs.metrics())
          ours.resetMetrics()
          theirs.resetMetrics()
          fixed.observe(0.003)
          reference.observe(0.003)
          expect(await ours.metrics()).toBe(await theirs.metrics())
        },
      ),
      { numRuns: 200 },
    )
  })

  it('counts a value equal to a bound in that bound’s bucket, and ignores what is not a number', async () => {
    const { ours, fixed } = pair()
    fixed.observe(0.0001)
    fixed.observe(Number.NaN)
    fixed.observe(Number.POSITIVE_INFINITY)
    const text = await ours.metrics()
    expect(text).toContain(`${NAME}_bucket{le="0.00005",instance="a"} 0`)
    expect(text).toContain(`${NAME}_bucket{le="0.0001",instance="a"} 1`)
    expect(text).toContain(`${NAME}_count{instance="a"} 1`)
  })

  it('refuses bounds that are not increasing', () => {
    expect(() => new FixedHistogram('x', 'x', [0.1, 0.1], new Registry())).toThrow(TypeError)
  })
})

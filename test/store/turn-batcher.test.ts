import { describe, expect, it } from 'vitest'
import { type Settled, TurnBatcher } from '../../src/store/sql/turn-batcher.js'

const nextTurn = () => new Promise((resolve) => setImmediate(resolve))

/** A batcher whose batches are recorded, answering each item doubled, or an error for negatives. */
function recording(sequential: boolean, maxBatch = 3) {
  const batches: number[][] = []
  let running = 0
  let overlapped = false
  const release: Array<() => void> = []
  const batcher = new TurnBatcher<number, number>({
    maxBatch,
    sequential,
    run: async (items) => {
      batches.push([...items])
      running++
      if (running > 1) overlapped = true
      await new Promise<void>((resolve) => release.push(resolve))
      running--
      if (items.includes(999)) throw new Error('whole batch failed')
      return items.map(
        (item): Settled<number> =>
          item < 0 ? { ok: false, error: new Error(`bad ${item}`) } : { ok: true, value: item * 2 },
      )
    },
  })
  const releaseAll = async () => {
    while (release.length > 0) {
      release.shift()?.()
      await nextTurn()
    }
  }
  return { batcher, batches, releaseAll, overlapped: () => overlapped }
}

describe('TurnBatcher', () => {
  it('batches the items of one turn, at most maxBatch each, and answers every caller its own outcome', async () => {
    const { batcher, batches, releaseAll } = recording(false)
    const answers = [1, 2, -3, 4, 5].map((item) =>
      batcher.add(item).then(
        (v) => v,
        (e: Error) => e.message,
      ),
    )
    await nextTurn()
    expect(batches).toEqual([
      [1, 2, -3],
      [4, 5],
    ])
    await releaseAll()
    expect(await Promise.all(answers)).toEqual([2, 4, 'bad -3', 8, 10])
  })

  it('sequential: one batch at a time, and what arrives meanwhile forms the next', async () => {
    const { batcher, batches, releaseAll, overlapped } = recording(true)
    const first = [1, 2].map((item) => batcher.add(item))
    await nextTurn()
    const later = [3, 4, 5, 6].map((item) => batcher.add(item))
    await nextTurn()
    expect(batches).toEqual([[1, 2]])
    await releaseAll()
    expect(await Promise.all([...first, ...later])).toEqual([2, 4, 6, 8, 10, 12])
    expect(batches).toEqual([[1, 2], [3, 4, 5], [6]])
    expect(overlapped()).toBe(false)
  })

  it('a batch that throws fails each of its items with that error, and only them', async () => {
    const { batcher, releaseAll } = recording(false, 2)
    const answers = [1, 999, 3].map((item) =>
      batcher.add(item).then(
        (v) => v,
        (e: Error) => e.message,
      ),
    )
    await nextTurn()
    await releaseAll()
    expect(await Promise.all(answers)).toEqual(['whole batch failed', 'whole batch failed', 6])
  })

  it('drain runs what is queued at once and waits for every batch started', async () => {
    for (const sequential of [false, true]) {
      const batches: number[][] = []
      const batcher = new TurnBatcher<number, number>({
        maxBatch: 2,
        sequential,
        run: async (items) => {
          batches.push([...items])
          return items.map((value) => ({ ok: true, value }))
        },
      })
      const answers = Promise.all([1, 2, 3].map((item) => batcher.add(item)))
      await batcher.drain()
      expect(batches).toEqual([[1, 2], [3]])
      expect(await answers).toEqual([1, 2, 3])
    }
  })
})

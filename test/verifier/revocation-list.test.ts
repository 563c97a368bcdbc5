/**
 * The verifier's in-memory revocations judge tokens exactly as Tessera's UserGate does, skip
 * malformed feed entries, and the SSE parser splits the stream as the WHATWG spec says.
 */
import { describe, expect, it } from 'vitest'
import { UserGate } from '../../src/accounts/user-gate.js'
import { ManualClock } from '../../src/core/clock.js'
import { RevocationList } from '../../packages/verify/src/revocation-list.js'
import { SseParser } from '../../packages/verify/src/revocation-stream.js'

const NOW_MS = 1_700_000_000_000
const CUTOFF = 1_700_000_000

describe('RevocationList', () => {
  it('applies the cut-off as UserGate does, for tokens with and without a session id', () => {
    const list = new RevocationList()
    list.apply({ cutoffs: [{ user_id: 7, not_before: CUTOFF }], sessions: [] }, NOW_MS)
    const gate = new UserGate(
      { findById: async () => undefined },
      {
        cutoffsSince: async () => ({ cursor: 0, cutoffs: [] }),
        endedSessionsSince: async () => ({ cursor: 0, sessions: [] }),
      },
      new ManualClock(NOW_MS),
    )
    for (const iat of [CUTOFF - 3, CUTOFF - 2, CUTOFF - 1, CUTOFF, CUTOFF + 1]) {
      for (const sessionId of [undefined, 'abc']) {
        const token = { userId: 7, iat, ...(sessionId ? { sessionId } : {}) }
        expect(list.revokes(token, NOW_MS), `iat ${iat} sid ${sessionId}`).toBe(
          gate.revokes(token, CUTOFF, NOW_MS),
        )
      }
    }
    // The rule's edges, spelled out: a session token of the revocation's previous second stays valid.
    expect(list.revokes({ userId: 7, iat: CUTOFF - 1, sessionId: 'new' }, NOW_MS)).toBe(false)
    expect(list.revokes({ userId: 7, iat: CUTOFF - 1 }, NOW_MS)).toBe(true)
    expect(list.revokes({ userId: 8, iat: CUTOFF - 100 }, NOW_MS)).toBe(false)
  })

  it('voids an ended session until its void-until time, then forgets it', () => {
    const list = new RevocationList()
    list.apply({ cutoffs: [], sessions: [{ sid: 'abc', void_until: NOW_MS + 1000 }] }, NOW_MS)
    expect(list.revokes({ userId: 1, iat: CUTOFF, sessionId: 'abc' }, NOW_MS)).toBe(true)
    expect(list.revokes({ userId: 1, iat: CUTOFF, sessionId: 'other' }, NOW_MS)).toBe(false)
    expect(list.revokes({ userId: 1, iat: CUTOFF, sessionId: 'abc' }, NOW_MS + 1000)).toBe(false)
  })

  it('never moves a cut-off back, and skips malformed entries', () => {
    const list = new RevocationList()
    list.apply({ cutoffs: [{ user_id: 7, not_before: CUTOFF }], sessions: [] }, NOW_MS)
    list.apply({ cutoffs: [{ user_id: 7, not_before: CUTOFF - 50 }], sessions: [] }, NOW_MS)
    expect(list.revokes({ userId: 7, iat: CUTOFF - 10 }, NOW_MS)).toBe(true)
    const hostile = {
      cutoffs: [
        null,
        { user_id: '7', not_before: 1 },
        { user_id: 9, not_before: -1 },
        { user_id: 1.5, not_before: 1 },
      ],
      sessions: [
        { sid: 5, void_until: 1 },
        { sid: 'x'.repeat(300), void_until: NOW_MS + 1 },
        { sid: 'ok', void_until: 'soon' },
      ],
    }
    expect(() => list.apply(hostile as never, NOW_MS)).not.toThrow()
    expect(() => list.apply({ cutoffs: 'x', sessions: {} } as never, NOW_MS)).not.toThrow()
    expect(list.revokes({ userId: 9, iat: 0 }, NOW_MS)).toBe(false)
    expect(list.revokes({ userId: 1, iat: CUTOFF, sessionId: 'ok' }, NOW_MS)).toBe(false)
  })

  it('a reset forgets what it knew and voids every token issued before its time', () => {
    const list = new RevocationList()
    list.apply({ cutoffs: [{ user_id: 7, not_before: CUTOFF + 100 }], sessions: [] }, NOW_MS)
    list.reset({ not_before: CUTOFF })
    expect(list.revokes({ userId: 3, iat: CUTOFF - 1, sessionId: 'any' }, NOW_MS)).toBe(true)
    expect(list.revokes({ userId: 7, iat: CUTOFF + 50 }, NOW_MS)).toBe(false)
  })
})

describe('SseParser', () => {
  it('dispatches events across chunk boundaries and line endings, skipping comments', () => {
    const events: { event: string; data: string; id: string | undefined }[] = []
    const parser = new SseParser()
    const stream =
      'retry: 1000\r\n\r\n: ping\n\nid: 1-2\nevent: revocations\ndata: {"a":\ndata: 1}\r\rdata: plain\n\n'
    for (const char of stream) parser.push(char, (event) => events.push(event))
    expect(events).toEqual([
      { event: 'revocations', data: '{"a":\n1}', id: '1-2' },
      { event: 'message', data: 'plain', id: undefined },
    ])
  })
})

/**
 * The access line is written from a template, not by pino: it must parse as JSON whatever its
 * strings hold, and say what pino would have said for the same fields.
 */
import { Writable } from 'node:stream'
import fc from 'fast-check'
import { pino } from 'pino'
import { describe, expect, it } from 'vitest'
import type { AccessLine } from '../../src/http/access-log.js'
import { accessLineWriter } from '../../src/server/access-line.js'

function capture(): { stream: Writable; lines: string[] } {
  const lines: string[] = []
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk))
      done()
    },
  })
  return { stream, lines }
}

const accessLine = fc.record({
  reqId: fc.string(),
  method: fc.string(),
  route: fc.option(fc.string(), { nil: null }),
  status: fc.integer({ min: 100, max: 599 }),
  responseTime: fc.double({ min: 0, max: 1e6, noNaN: true }).map((ms) => Math.round(ms * 100) / 100),
  userId: fc.option(fc.nat(), { nil: undefined }),
  ip: fc.option(fc.string(), { nil: null }),
}) satisfies fc.Arbitrary<AccessLine>

describe('access line template', () => {
  it("is one JSON line with pino's fields and the line's, whatever the strings hold", () => {
    const template = capture()
    const reference = capture()
    const write = accessLineWriter(template.stream)
    const logger = pino({ level: 'info' }, reference.stream)
    fc.assert(
      fc.property(accessLine, (line) => {
        write(line)
        logger.info(line, 'request completed')
        const written = template.lines.pop() ?? ''
        const expected = reference.lines.pop() ?? ''
        expect(written.endsWith('\n')).toBe(true)
        expect(written.slice(0, -1)).not.toContain('\n')
        const { time, ...fields } = JSON.parse(written)
        const { time: expectedTime, ...expectedFields } = JSON.parse(expected)
        expect(Math.abs(time - expectedTime)).toBeLessThan(1000)
        expect(fields).toEqual(expectedFields)
        expect(Object.keys(fields)).toEqual(Object.keys(expectedFields))
      }),
    )
  })
})

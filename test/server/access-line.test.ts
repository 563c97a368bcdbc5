/**
 * The access line is written from a template, not by pino: it must parse as JSON whatever its
 * strings hold, say what pino would have said for the same fields, and hold only ASCII (the
 * destination takes its length in characters as its length in bytes).
 */
import { Writable } from 'node:stream'
import fc from 'fast-check'
import { pino } from 'pino'
import { describe, expect, it } from 'vitest'
import type { AccessLine } from '../../src/http/access-log.js'
import { accessLineWriter } from '../../src/server/access-line.js'

/** pino's lines as the strings it wrote (not re-decoded from UTF-8, which would alter lone surrogates). */
function capture(): { stream: Writable; lines: string[] } {
  const lines: string[] = []
  const stream = new Writable({
    decodeStrings: false,
    write(chunk, _encoding, done) {
      lines.push(String(chunk))
      done()
    },
  })
  return { stream, lines }
}

/** Strings of every kind: ASCII, any code point, and lone UTF-16 surrogates. */
const anyString = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.string({ unit: fc.integer({ min: 0xd800, max: 0xdfff }).map((code) => String.fromCharCode(code)) }),
)

const accessLine = fc.record({
  reqId: anyString,
  method: anyString,
  route: fc.option(anyString, { nil: null }),
  status: fc.integer({ min: 100, max: 599 }),
  responseTime: fc.oneof(
    fc.double({ min: 0, max: 1e6, noNaN: true }),
    fc.integer({ min: 0, max: 1e8 }).map((hundredths) => hundredths / 100),
  ),
  userId: fc.option(fc.nat(), { nil: undefined }),
  ip: fc.option(anyString, { nil: null }),
}) satisfies fc.Arbitrary<AccessLine>

describe('access line template', () => {
  it("is one ASCII JSON line with pino's fields and the line's, whatever the strings hold", () => {
    const template: string[] = []
    const reference = capture()
    const write = accessLineWriter((line) => template.push(line))
    const logger = pino({ level: 'info' }, reference.stream)
    fc.assert(
      fc.property(accessLine, (line) => {
        write(line)
        // The template writes the time in ms to hundredths, as the rounded number would be written.
        logger.info({ ...line, responseTime: Math.round(line.responseTime * 100) / 100 }, 'request completed')
        const written = template.pop() ?? ''
        const expected = reference.lines.pop() ?? ''
        expect(written).toMatch(/^[\x20-\x7e]*\n$/)
        expect(Buffer.byteLength(written)).toBe(written.length)
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

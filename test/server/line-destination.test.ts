/**
 * The log destination writes whole lines, in order, in writes no larger than PIPE_BUF, measures
 * only the line it appends, and loses nothing: not on a full pipe, not at exit.
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterAll, describe, expect, it, vi } from 'vitest'
import { LineDestination, MAX_WRITE_BYTES } from '../../src/server/line-destination.js'

/** Every write the destination makes to a file (not stderr), as the bytes it handed over. */
const writes = vi.hoisted(() => [] as Buffer[])
vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>()
  return {
    ...fs,
    writeSync: (fd: number, buffer: Buffer, offset: number, length: number) => {
      if (fd > 2) writes.push(Buffer.from(buffer.subarray(offset, offset + length)))
      return fs.writeSync(fd, buffer, offset, length)
    },
  }
})

const BUILT = pathToFileURL(resolve(import.meta.dirname, '../../dist/server/line-destination.js')).href
const dirs: string[] = []
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
})
function tempFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-lines-'))
  dirs.push(dir)
  return join(dir, 'out.log')
}

/** Access-line-like ASCII lines of varied lengths, numbered so order and loss show. */
const asciiLine = (i: number) => `{"n":${i},"pad":"${'x'.repeat((i * 37) % 300)}"}\n`

describe('LineDestination', () => {
  it('writes every line in order, in whole lines, no write above PIPE_BUF', async () => {
    const file = tempFile()
    // Asked to gather more than one write's worth: a file still gets writes of at most PIPE_BUF.
    const destination = new LineDestination(file, { writeAtBytes: 4 * MAX_WRITE_BYTES, flushEveryMs: 1000 })
    writes.length = 0
    const expected: string[] = []
    for (let i = 0; i < 3000; i++) {
      // Mostly access lines; some pino lines with multi-byte text, and a few longer than a write.
      let line = asciiLine(i)
      if (i % 97 === 0) {
        line = `{"n":${i},"msg":"caf\u00e9 \u2603 \u{1f600}"}\n`
        destination.write(line)
      } else if (i % 1000 === 500) {
        line = `{"n":${i},"stack":"${'s'.repeat(MAX_WRITE_BYTES + 100)}"}\n`
        destination.write(line)
      } else {
        destination.writeAscii(line)
      }
      expected.push(line)
    }
    await destination.close()
    expect(readFileSync(file, 'utf8')).toBe(expected.join(''))
    expect(writes.length).toBeGreaterThan(1)
    for (const bytes of writes) {
      expect(bytes.at(-1)).toBe(0x0a)
      // Only a single line longer than PIPE_BUF is written whole in a larger write.
      if (bytes.length > MAX_WRITE_BYTES) expect(bytes.indexOf(0x0a)).toBe(bytes.length - 1)
    }
    // Buffered: writes carry many lines each, not one.
    expect(writes.length).toBeLessThan(expected.length / 10)
  })

  it('writes a multi-byte line whole when it starts a new write after ASCII lines', async () => {
    const file = tempFile()
    const destination = new LineDestination(file, { writeAtBytes: MAX_WRITE_BYTES, flushEveryMs: 1000 })
    const ascii = `{"pad":"${'a'.repeat(MAX_WRITE_BYTES - 20)}"}\n`
    const multiByte = `{"msg":"${'\u00e9\u2603'.repeat(10)}"}\n`
    destination.writeAscii(ascii)
    destination.write(multiByte)
    destination.writeAscii(ascii)
    await destination.close()
    expect(readFileSync(file, 'utf8')).toBe(ascii + multiByte + ascii)
  })

  it('writes the lines of a quiet process within flushEveryMs, with no flush() asked', async () => {
    const file = tempFile()
    const destination = new LineDestination(file, { writeAtBytes: MAX_WRITE_BYTES, flushEveryMs: 20 })
    try {
      destination.writeAscii(asciiLine(1))
      let text = ''
      for (let i = 0; i < 100 && text === ''; i++) {
        await new Promise((done) => setTimeout(done, 10))
        text = readFileSync(file, 'utf8')
      }
      expect(text).toBe(asciiLine(1))
    } finally {
      await destination.close()
    }
  })

  it('at writeAtBytes 1 (debug) writes each line without waiting for a full buffer', async () => {
    const file = tempFile()
    const destination = new LineDestination(file, { writeAtBytes: 1, flushEveryMs: 60_000 })
    try {
      destination.writeAscii(asciiLine(2))
      let text = ''
      for (let i = 0; i < 100 && text === ''; i++) {
        await new Promise((done) => setTimeout(done, 10))
        text = readFileSync(file, 'utf8')
      }
      expect(text).toBe(asciiLine(2))
    } finally {
      await destination.close()
    }
  })

  it('close() writes everything, closes the file, and drops later lines without throwing', async () => {
    const file = tempFile()
    const destination = new LineDestination(file, { writeAtBytes: MAX_WRITE_BYTES, flushEveryMs: 1000 })
    destination.writeAscii(asciiLine(1))
    await destination.close()
    destination.writeAscii(asciiLine(2))
    destination.write(asciiLine(3))
    await destination.flush()
    destination.flushSync()
    expect(readFileSync(file, 'utf8')).toBe(asciiLine(1))
  })
})

/**
 * Runs a script against the built destination (`npm run build` first) with stdout a pipe, and
 * resolves once it has exited and both its pipes have ended. Its stdout is read from the start,
 * or with `readAfter` only once its stderr holds that text (until then the reader takes nothing
 * beyond what fills its stream's buffer); a child that exits first has it read then, as Node
 * drains an exited child's pipes. Listeners are in place from the spawn on, so no output and no
 * end of a pipe can pass unseen.
 */
async function runScript(script: string, { readAfter }: { readAfter?: string } = {}) {
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
    env: { PATH: process.env.PATH ?? '', BUILT },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  /** The script's stderr when its stdout began to be read. */
  let stderrAtRead = ''
  if (readAfter !== undefined) child.stdout.pause()
  child.stdout.on('data', (chunk) => {
    stdout += chunk
  })
  child.stderr.on('data', (chunk) => {
    stderr += chunk
    if (child.stdout.isPaused() && readAfter !== undefined && stderr.includes(readAfter)) {
      stderrAtRead = stderr
      child.stdout.resume()
    }
  })
  const [code] = await Promise.all([
    new Promise<number | string>((done) =>
      child.on('exit', (exitCode, signal) => done(exitCode ?? signal ?? -1)),
    ),
    new Promise((done) => child.stdout.on('end', done)),
    new Promise((done) => child.stderr.on('end', done)),
  ])
  return { code, stdout, stderr, stderrAtRead }
}

const countLines = (text: string) => text.split('\n').filter(Boolean)
/** The numbers of the lines `{"n":…}` in `text`, each line parsed whole. */
const numbers = (text: string) => countLines(text).map((line) => (JSON.parse(line) as { n: number }).n)
const upTo = (count: number) => Array.from({ length: count }, (_, i) => i)

describe('LineDestination in a real process', () => {
  it('holds lines in memory while a non-blocking pipe is full, keeps the event loop running, loses none', async () => {
    const lines = 6000
    const script = `
      const { LineDestination } = await import(process.env.BUILT)
      const destination = new LineDestination(1, { writeAtBytes: 4096, flushEveryMs: 1000 })
      let ticks = 0
      const ticker = setInterval(() => ticks++, 5)
      for (let i = 0; i < ${lines}; i++) destination.writeAscii('{"n":' + i + ',"pad":"' + 'x'.repeat(200) + '"}\\n')
      let flushed = false
      destination.flush().then(() => { flushed = true })
      setTimeout(() => {
        process.stderr.write('waiting ticks=' + ticks + ' flushed=' + flushed + '\\n')
        const done = setInterval(() => {
          if (!flushed) return
          clearInterval(done)
          clearInterval(ticker)
          process.stderr.write('flushed\\n')
        }, 5)
      }, 300)
    `
    // Nothing is read until the writer has waited on the full pipe with its timers running.
    const result = await runScript(script, { readAfter: 'waiting' })
    expect(result.code).toBe(0)
    // The pipe was full, the lines still waited, and timers fired meanwhile: a write that blocked
    // on the pipe would have stopped the process before it could say so.
    expect(result.stderrAtRead).toMatch(/waiting ticks=[1-9]\d* flushed=false/)
    expect(result.stderr).toContain('flushed')
    expect(numbers(result.stdout)).toEqual(upTo(lines))
  })

  it('gives up at exit on a reader that takes nothing, instead of hanging, and says so', async () => {
    const lines = 20000
    const script = `
      const { LineDestination } = await import(process.env.BUILT)
      const destination = new LineDestination(1, { writeAtBytes: 4096, flushEveryMs: 60000 })
      for (let i = 0; i < ${lines}; i++) destination.writeAscii('{"n":' + i + ',"pad":"' + 'x'.repeat(100) + '"}\\n')
      setTimeout(() => process.exit(0), 100)
    `
    // stdout is read only once the destination has given up: until then the pipe stays full. The
    // backlog is hundreds of writes, so patience spent on each in turn would outlast the test.
    const result = await runScript(script, { readAfter: 'tessera: log lines lost' })
    expect(result.code).toBe(0)
    expect(result.stderr.match(/tessera: log lines lost: EAGAIN/g)).toHaveLength(1)
    // What the reader got is whole lines in order, up to where the destination gave up.
    const got = numbers(result.stdout)
    expect(got.length).toBeGreaterThan(0)
    expect(got.length).toBeLessThan(lines)
    expect(got).toEqual(upTo(got.length))
  })

  it('writes every buffered line at process.exit, with no flush() asked, to a pipe and to a file', async () => {
    const file = tempFile()
    const script = (target: string, lines: number) => `
      const { writeSync } = await import('node:fs')
      const { LineDestination } = await import(process.env.BUILT)
      const destination = new LineDestination(${target}, { writeAtBytes: 4096, flushEveryMs: 60000 })
      for (let i = 0; i < ${lines}; i++) destination.writeAscii('{"n":' + i + ',"pad":"' + 'x'.repeat(i % 50) + '"}\\n')
      destination.write('{"n":${lines},"msg":"caf\u00e9"}\\n')
      writeSync(2, 'exiting\\n')
      process.exit(0)
    `
    // Several times what a pipe holds, and the pipe is read only from the exit on: at exit most
    // lines wait in memory behind the full pipe, and the exit flush writes them as the reader reads.
    const pipeLines = 8000
    const piped = await runScript(script('1', pipeLines), { readAfter: 'exiting' })
    expect(piped.code).toBe(0)
    expect(piped.stderr).toBe('exiting\n')
    expect(numbers(piped.stdout)).toEqual(upTo(pipeLines + 1))
    expect(piped.stdout.endsWith('"msg":"caf\u00e9"}\n')).toBe(true)
    // A file: every line, in order, the last one included.
    const fileLines = 1000
    const filed = await runScript(script(JSON.stringify(file), fileLines))
    expect(filed.code).toBe(0)
    expect(filed.stderr).toBe('exiting\n')
    const text = readFileSync(file, 'utf8')
    expect(numbers(text)).toEqual(upTo(fileLines + 1))
    expect(text.endsWith('"msg":"caf\u00e9"}\n')).toBe(true)
  })
})

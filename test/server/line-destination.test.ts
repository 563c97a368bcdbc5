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

/** Every fs.write the destination makes, as the bytes it handed over. */
const writes = vi.hoisted(() => [] as Buffer[])
vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>()
  return {
    ...fs,
    write: (fd: number, buffer: Buffer, offset: number, length: number, position: null, done: never) => {
      writes.push(Buffer.from(buffer.subarray(offset, offset + length)))
      fs.write(fd, buffer, offset, length, position, done)
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

/** Runs a script against the built destination (`npm run build` first) with stdout a pipe. */
function runScript(script: string, options: { readAfter?: (stderr: () => string) => Promise<void> } = {}) {
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
    env: { PATH: process.env.PATH ?? '', BUILT },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stderr.on('data', (chunk) => {
    stderr += chunk
  })
  const exited = new Promise<number | string>((done) =>
    child.on('exit', (code, signal) => done(code ?? signal ?? -1)),
  )
  const read = (options.readAfter?.(() => stderr) ?? Promise.resolve()).then(() => {
    child.stdout.on('data', (chunk) => {
      stdout += chunk
    })
    return new Promise<void>((done) => child.stdout.on('end', done))
  })
  return read.then(async () => ({ code: await exited, stdout, stderr }))
}

const countLines = (text: string) => text.split('\n').filter(Boolean)

describe('LineDestination in a real process', () => {
  it('holds lines in memory while a non-blocking pipe is full, keeps the event loop running, loses none', async () => {
    const lines = 6000
    const script = `
      const { LineDestination } = await import(process.env.BUILT)
      process.stdout // as the CLI does: libuv makes a stdout pipe non-blocking (EAGAIN when full)
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
    let waiting = ''
    const result = await runScript(script, {
      // Read nothing until the writer has waited on the full pipe for a while.
      readAfter: async (stderr) => {
        for (let i = 0; i < 500 && !stderr().includes('waiting'); i++)
          await new Promise((r) => setTimeout(r, 10))
        waiting = stderr()
      },
    })
    expect(result.code).toBe(0)
    // The pipe was full: the lines were still waiting, and the event loop kept turning.
    expect(waiting).toMatch(/flushed=false/)
    expect(Number(/ticks=(\d+)/.exec(waiting)?.[1])).toBeGreaterThan(10)
    expect(result.stderr).toContain('flushed')
    const numbers = countLines(result.stdout).map((line) => (JSON.parse(line) as { n: number }).n)
    expect(numbers).toEqual(Array.from({ length: lines }, (_, i) => i))
  })

  it('gives up at exit on a reader that takes nothing, instead of hanging, and says so', async () => {
    const script = `
      const { LineDestination } = await import(process.env.BUILT)
      process.stdout
      const destination = new LineDestination(1, { writeAtBytes: 4096, flushEveryMs: 60000 })
      for (let i = 0; i < 20000; i++) destination.writeAscii('{"n":' + i + ',"pad":"' + 'x'.repeat(100) + '"}\\n')
      setTimeout(() => process.exit(0), 100)
    `
    const started = Date.now()
    // stdout is read only once the process has exited: until then the pipe stays full.
    const result = await runScript(script, {
      readAfter: async (stderr) => {
        for (let i = 0; i < 1000 && !stderr().includes('lost'); i++)
          await new Promise((r) => setTimeout(r, 10))
      },
    })
    expect(result.code).toBe(0)
    expect(result.stderr).toContain('tessera: log lines lost')
    // One patience period for the whole backlog, not one per buffered write.
    expect(Date.now() - started).toBeLessThan(8000)
  })

  it('writes every buffered line at process.exit, with no flush() asked, to a pipe and to a file', async () => {
    const file = tempFile()
    const lines = 1000
    const script = (target: string) => `
      const { LineDestination } = await import(process.env.BUILT)
      process.stdout
      const destination = new LineDestination(${target}, { writeAtBytes: 4096, flushEveryMs: 60000 })
      for (let i = 0; i < ${lines}; i++) destination.writeAscii('{"n":' + i + '}\\n')
      destination.write('{"last":"caf\u00e9"}\\n')
      process.exit(0)
    `
    const piped = await runScript(script('1'))
    expect(piped.code).toBe(0)
    expect(countLines(piped.stdout)).toHaveLength(lines + 1)
    expect(piped.stdout.endsWith('{"last":"caf\u00e9"}\n')).toBe(true)
    const filed = await runScript(script(JSON.stringify(file)))
    expect(filed.code).toBe(0)
    const text = readFileSync(file, 'utf8')
    expect(countLines(text)).toHaveLength(lines + 1)
    expect(text.endsWith('{"last":"caf\u00e9"}\n')).toBe(true)
  })
})

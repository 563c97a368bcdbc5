import { closeSync, openSync, writeSync } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'

/**
 * The longest write: PIPE_BUF on Linux. A write of at most this many bytes to a pipe is atomic,
 * and every write holds whole lines, so the lines of cluster workers sharing stdout never
 * interleave. A single line longer than this is written on its own, as one write.
 */
export const MAX_WRITE_BYTES = 4096
/**
 * A full pipe (EAGAIN) is tried again after this many ms, its lines waiting in memory: short, so
 * that a reader which falls behind for a moment is never left idle for long once it catches up.
 */
const RETRY_MS = 2
/**
 * At exit, a pipe that takes nothing across this many waits of a millisecond each is given up, so
 * a stuck reader never hangs exit. Counted in waits, not read from the clock: a process that was
 * descheduled meanwhile has still given the reader every one of its chances.
 */
const EXIT_PATIENCE_WAITS = 1000
/** How long `close()` waits for stdout's reader; what it has not taken by then is left to the exit flush. */
const CLOSE_WAIT_MS = 5000

export interface LineDestinationOptions {
  /**
   * Writing starts once this many bytes wait (1: each line as soon as the fd takes it), in writes
   * of at most `MAX_WRITE_BYTES` back to back.
   */
  readonly writeAtBytes: number
  /** Lines of a quiet process are written within this many ms. */
  readonly flushEveryMs: number
}

/** Whole lines waiting for one write; `written` bytes of them have reached the fd. */
interface Chunk {
  readonly buffer: Buffer
  readonly length: number
  written: number
}

/**
 * An append-only destination for newline-terminated lines on a file descriptor (stdout, or a file
 * it opens for appending). Lines gather until the next one would not fit in `MAX_WRITE_BYTES`, are
 * then copied once into a pooled buffer, and buffers are written one at a time and in order. Only
 * the line being appended is measured (ASCII lines not even that), never what it joins.
 *
 * Every write is a `writeSync` from the event loop, so none is ever in flight where the exit flush
 * cannot see it (a thread-pool write still pending at exit would land after the exit's own writes,
 * or never). A pipe or socket on stdout/stderr is non-blocking on POSIX (libuv makes it so once
 * Node opens the stream, which the constructor sees to): a write that does not fit fails at once
 * (EAGAIN) and its lines wait in memory for the retry, so neither the event loop nor a request ever
 * waits for a reader. A file or terminal takes a write as a copy into the kernel, as Node writes
 * its own stdout to them.
 *
 * Nothing is dropped: a full pipe's lines wait in memory; `flush()` resolves once every line given
 * so far is written, and at process exit everything not yet written goes out synchronously, in
 * order. Only a write error other than EAGAIN (a closed pipe, a full disk), or a reader that takes
 * nothing at exit, loses lines, and that is reported once on stderr.
 */
export class LineDestination {
  readonly #fd: number
  readonly #ownsFd: boolean
  readonly #writeAt: number
  readonly #timer: NodeJS.Timeout
  /**
   * The lines not yet sealed into a write, their length in bytes, and whether they are all ASCII.
   * Appending a line to a string only links it (no copy); sealing copies them once into a buffer.
   */
  #pending = ''
  #bytes = 0
  #ascii = true
  /** Sealed buffers in order, and their bytes. While `#retry` is set, the first waits for a full pipe. */
  readonly #queue: Chunk[] = []
  #queued = 0
  readonly #spare: Buffer[] = []
  #retry: NodeJS.Timeout | undefined
  /** Chunks sealed and chunks done (written or given up), for `flush()`. */
  #sealed = 0
  #done = 0
  #waiters: { upTo: number; resolve: () => void }[] = []
  #closed = false
  #reported = false

  /** `target`: a file descriptor to write to, or a file to open for appending (and close on `close()`). */
  constructor(target: number | string, options: LineDestinationOptions) {
    this.#ownsFd = typeof target === 'string'
    this.#fd = typeof target === 'string' ? openSync(target, 'a') : target
    openStdio(this.#fd)
    this.#writeAt = Math.max(options.writeAtBytes, 1)
    this.#timer = setInterval(() => this.#writeWaiting(), options.flushEveryMs)
    this.#timer.unref()
    openDestinations.add(this)
    if (!exitHooked) {
      exitHooked = true
      process.on('exit', flushAtExit)
    }
  }

  /**
   * Appends a line whose every character is ASCII (below U+0080), so its length in bytes is its
   * length in characters: the caller guarantees it (access lines escape anything else).
   */
  writeAscii(line: string): void {
    this.#append(line, line.length)
  }

  /** Appends any line, measuring it alone (pino writes failures, audit and lifecycle lines here). */
  write(line: string): boolean {
    this.#append(line, Buffer.byteLength(line))
    return true
  }

  #append(line: string, bytes: number): void {
    if (this.#bytes + bytes > MAX_WRITE_BYTES) {
      if (bytes > MAX_WRITE_BYTES) {
        this.#writeLong(line)
        return
      }
      this.#seal()
    }
    if (bytes !== line.length) this.#ascii = false
    this.#pending += line
    this.#bytes += bytes
    if (this.#queued + this.#bytes >= this.#writeAt && this.#retry === undefined) this.#next()
  }

  /** Resolves once every line given so far has been written (or given up with its write's error). */
  flush(): Promise<void> {
    this.#writeWaiting()
    const upTo = this.#sealed
    if (this.#done >= upTo) return Promise.resolve()
    return new Promise((resolve) => this.#waiters.push({ upTo, resolve }))
  }

  /**
   * Writes synchronously, in order, every line not yet written (at exit; pino calls it after a
   * fatal line). A reader that takes nothing is given up once for the whole backlog.
   */
  flushSync(): void {
    if (this.#closed) return
    if (this.#bytes > 0) this.#seal()
    clearTimeout(this.#retry)
    this.#retry = undefined
    let taking = true
    for (let chunk = this.#queue.shift(); chunk !== undefined; chunk = this.#queue.shift()) {
      // Once the fd has given up, the rest would only wait out the same stall again.
      if (taking) taking = this.#writeSync(chunk)
      this.#finished(chunk)
    }
  }

  /**
   * Writes every line, then stops the timer and closes the file it opened. A given fd (stdout)
   * stays open, and a reader that takes nothing is waited for no longer than CLOSE_WAIT_MS.
   */
  async close(): Promise<void> {
    if (!this.#ownsFd) {
      await Promise.race([this.flush(), sleep(CLOSE_WAIT_MS, undefined, { ref: false })])
      return
    }
    await this.flush()
    if (this.#closed) return
    this.#closed = true
    clearInterval(this.#timer)
    openDestinations.delete(this)
    closeSync(this.#fd)
  }

  /** Seals what waits and writes it, unless a full pipe's retry is already due. */
  #writeWaiting(): void {
    if (this.#bytes > 0) this.#seal()
    this.#next()
  }

  #seal(): void {
    const pending = this.#pending
    const bytes = this.#bytes
    const ascii = this.#ascii
    this.#pending = ''
    this.#bytes = 0
    this.#ascii = true
    // Its file is closed: what is written after close() has nowhere to go.
    if (this.#closed) return
    const buffer = this.#spare.pop() ?? Buffer.allocUnsafe(MAX_WRITE_BYTES)
    buffer.write(pending, 0, bytes, ascii ? 'latin1' : 'utf8')
    this.#queue.push({ buffer, length: bytes, written: 0 })
    this.#queued += bytes
    this.#sealed++
  }

  #writeLong(line: string): void {
    this.#writeWaiting()
    if (this.#closed) return
    const buffer = Buffer.from(line, 'utf8')
    this.#queue.push({ buffer, length: buffer.length, written: 0 })
    this.#queued += buffer.length
    this.#sealed++
    this.#next()
  }

  /** Writes the sealed buffers (and what waits unsealed, once it reaches `writeAtBytes`). */
  #next(): void {
    if (this.#retry !== undefined || this.#closed) return
    if (this.#queue.length === 0) {
      if (this.#bytes === 0 || this.#bytes < this.#writeAt) return
      this.#seal()
    }
    for (let chunk = this.#queue[0]; chunk !== undefined; chunk = this.#queue[0]) {
      try {
        chunk.written += writeSync(this.#fd, chunk.buffer, chunk.written, chunk.length - chunk.written)
      } catch (error) {
        if (busy(error)) {
          // A full non-blocking pipe: the lines wait here, and the event loop goes on.
          this.#retry = setTimeout(this.#retryWrite, RETRY_MS)
          return
        }
        this.#report(error as Error)
        chunk.written = chunk.length
      }
      if (chunk.written >= chunk.length) {
        this.#queue.shift()
        this.#finished(chunk)
      }
    }
  }

  readonly #retryWrite = (): void => {
    this.#retry = undefined
    this.#next()
  }

  /**
   * Writes a chunk synchronously, waiting on a full pipe for EXIT_PATIENCE_WAITS waits without
   * progress at most; false when it gave up.
   */
  #writeSync(chunk: Chunk): boolean {
    let waits = 0
    while (chunk.written < chunk.length) {
      try {
        chunk.written += writeSync(this.#fd, chunk.buffer, chunk.written, chunk.length - chunk.written)
        waits = 0
      } catch (error) {
        if (!busy(error) || waits >= EXIT_PATIENCE_WAITS) {
          this.#report(error as Error)
          return false
        }
        waits++
        // Sleeps the thread (no spinning): Node offers no synchronous wait for a writable fd.
        Atomics.wait(pause, 0, 0, 1)
      }
    }
    return true
  }

  #finished(chunk: Chunk): void {
    this.#done++
    this.#queued -= chunk.length
    if (chunk.buffer.length === MAX_WRITE_BYTES && this.#spare.length < SPARE_BUFFERS) {
      this.#spare.push(chunk.buffer)
    }
    if (this.#waiters.length === 0) return
    const done = this.#done
    this.#waiters = this.#waiters.filter((waiter) => {
      if (waiter.upTo > done) return true
      waiter.resolve()
      return false
    })
  }

  #report(error: Error): void {
    if (this.#reported) return
    this.#reported = true
    try {
      writeSync(2, `tessera: log lines lost: ${error.message}\n`)
    } catch {
      // stderr is gone too: nowhere left to say it.
    }
  }
}

/** Buffers kept for reuse after a backlog is written; the rest go back to the garbage collector. */
const SPARE_BUFFERS = 8
const pause = new Int32Array(new SharedArrayBuffer(4))

/** A write the fd could not take now (a full non-blocking pipe), to try again later. */
function busy(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | null)?.code
  return code === 'EAGAIN' || code === 'EBUSY'
}

/**
 * Opens Node's stream over stdout or stderr, as the CLI does anyway: for a pipe or socket that is
 * a libuv stream, which sets O_NONBLOCK, so a full pipe answers EAGAIN instead of blocking.
 */
function openStdio(fd: number): void {
  if (fd === 1) process.stdout.writable
  else if (fd === 2) process.stderr.writable
}

const openDestinations = new Set<LineDestination>()
let exitHooked = false

function flushAtExit(): void {
  for (const destination of openDestinations) destination.flushSync()
}

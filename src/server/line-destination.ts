import { closeSync, fstatSync, openSync, write, writeSync } from 'node:fs'
import { Socket } from 'node:net'
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
/** At exit, a pipe that takes nothing for this long is given up: a stuck reader never hangs exit. */
const EXIT_PATIENCE_MS = 1000
/** How long `close()` waits for stdout's reader; what it has not taken by then is left to the exit flush. */
const CLOSE_WAIT_MS = 5000

export interface LineDestinationOptions {
  /**
   * Writing starts once this many bytes wait (1: each line as soon as no write is in flight), in
   * writes of at most `MAX_WRITE_BYTES`. Through the thread pool, at most `MAX_WRITE_BYTES` wait.
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
 * Neither the event loop nor a request ever waits for a reader or a disk. A pipe or socket on
 * stdout/stderr is non-blocking (libuv makes it so), so it is written from the event loop as libuv
 * writes streams: a write that does not fit fails at once (EAGAIN) and is tried again later, with
 * no thread-pool round trip per write. Anything else (a file, which cannot be non-blocking, or a
 * terminal) is written through `fs.write` on the thread pool.
 *
 * Nothing is dropped: a full pipe's lines wait in memory; `flush()` resolves once every line given
 * so far is written, and at process exit whatever is not yet handed to a write goes out
 * synchronously. Only a write error other than EAGAIN (a closed pipe, a full disk) loses the lines
 * of that write, and it is reported once on stderr.
 */
export class LineDestination {
  readonly #fd: number
  readonly #ownsFd: boolean
  /** Written from the event loop (a non-blocking pipe or socket), not through the thread pool. */
  readonly #direct: boolean
  readonly #writeAt: number
  readonly #timer: NodeJS.Timeout
  /**
   * The lines not yet sealed into a write, their length in bytes, and whether they are all ASCII.
   * Appending a line to a string only links it (no copy); sealing copies them once into a buffer.
   */
  #pending = ''
  #bytes = 0
  #ascii = true
  /**
   * Sealed buffers in order, and their bytes. While `#writing`, the first is in the thread pool or
   * waits for a full pipe (`#retry`).
   */
  readonly #queue: Chunk[] = []
  #queued = 0
  readonly #spare: Buffer[] = []
  #writing = false
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
    this.#direct = !this.#ownsFd && nonBlockingStream(this.#fd)
    // Several writes in a row to a pipe wake its reader once; through the thread pool each write
    // is a round trip of its own, so waiting for more than one gains nothing.
    this.#writeAt = Math.max(Math.min(options.writeAtBytes, this.#direct ? Infinity : MAX_WRITE_BYTES), 1)
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
    if (this.#queued + this.#bytes >= this.#writeAt && !this.#writing) this.#next()
  }

  /** Resolves once every line given so far has been written (or given up with its write's error). */
  flush(): Promise<void> {
    this.#writeWaiting()
    const upTo = this.#sealed
    if (this.#done >= upTo) return Promise.resolve()
    return new Promise((resolve) => this.#waiters.push({ upTo, resolve }))
  }

  /**
   * Writes synchronously every line not yet handed to a write (at exit; pino calls it after a
   * fatal line). A write already in flight is left to finish on its own.
   */
  flushSync(): void {
    if (this.#closed) return
    if (this.#bytes > 0) this.#seal()
    if (this.#retry !== undefined) {
      // The first chunk waits for a full pipe: no write of it is in flight, so take it over.
      clearTimeout(this.#retry)
      this.#retry = undefined
      this.#writing = false
    }
    const first = this.#writing ? 1 : 0
    let taking = true
    while (this.#queue.length > first) {
      const chunk = this.#queue[first] as Chunk
      // Once the fd has given up, the rest would only wait out the same stall again.
      if (taking) taking = this.#writeSync(chunk)
      this.#queue.splice(first, 1)
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

  /** Seals what waits and starts a write if none is in flight. */
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
    if (this.#writing || this.#closed) return
    if (this.#queue.length === 0) {
      if (this.#bytes === 0 || this.#bytes < this.#writeAt) return
      this.#seal()
    }
    if (this.#direct) {
      this.#writeNow()
      return
    }
    const chunk = this.#queue[0] as Chunk
    this.#writing = true
    write(this.#fd, chunk.buffer, chunk.written, chunk.length - chunk.written, null, this.#afterWrite)
  }

  /** Writes what the non-blocking fd takes now; the rest waits for the next line or the retry. */
  #writeNow(): void {
    for (let chunk = this.#queue[0]; chunk !== undefined; chunk = this.#queue[0]) {
      try {
        chunk.written += writeSync(this.#fd, chunk.buffer, chunk.written, chunk.length - chunk.written)
      } catch (error) {
        if (busy(error)) {
          this.#writing = true
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

  readonly #afterWrite = (error: NodeJS.ErrnoException | null, bytes: number): void => {
    const chunk = this.#queue[0] as Chunk
    if (busy(error)) {
      this.#retry = setTimeout(this.#retryWrite, RETRY_MS)
      return
    }
    this.#writing = false
    if (error) {
      this.#report(error)
      chunk.written = chunk.length
    } else {
      chunk.written += bytes
    }
    if (chunk.written >= chunk.length) {
      this.#queue.shift()
      this.#finished(chunk)
    }
    this.#next()
  }

  readonly #retryWrite = (): void => {
    this.#retry = undefined
    this.#writing = false
    this.#next()
  }

  /**
   * Writes a chunk synchronously, waiting on a full pipe for EXIT_PATIENCE_MS without progress at
   * most; false when it gave up.
   */
  #writeSync(chunk: Chunk): boolean {
    let stalledSince = 0
    while (chunk.written < chunk.length) {
      try {
        chunk.written += writeSync(this.#fd, chunk.buffer, chunk.written, chunk.length - chunk.written)
        stalledSince = 0
      } catch (error) {
        const now = Date.now()
        if (stalledSince === 0) stalledSince = now
        if (!busy(error) || now - stalledSince > EXIT_PATIENCE_MS) {
          this.#report(error as Error)
          return false
        }
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
 * Whether `fd` is stdout or stderr on a pipe or socket that Node has made non-blocking: Node opens
 * such a stdout as a `net.Socket` over libuv (reading `process.stdout` is enough), which sets
 * O_NONBLOCK on it; except on Windows, where Node makes them blocking.
 */
function nonBlockingStream(fd: number): boolean {
  if ((fd !== 1 && fd !== 2) || process.platform === 'win32') return false
  let stats: ReturnType<typeof fstatSync>
  try {
    stats = fstatSync(fd)
  } catch {
    return false
  }
  if (!stats.isFIFO() && !stats.isSocket()) return false
  return (fd === 1 ? process.stdout : process.stderr) instanceof Socket
}

const openDestinations = new Set<LineDestination>()
let exitHooked = false

function flushAtExit(): void {
  for (const destination of openDestinations) destination.flushSync()
}

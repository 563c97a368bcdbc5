/**
 * Password hashing on threads of its own, at a lower CPU priority than the event loop.
 *
 * Why: argon2id is the one CPU-heavy thing Tessera does, and a login flood keeps it busy. On
 * libuv's shared pool its threads run at the event loop's priority, so on a machine with every
 * core busy, a flood takes CPU away from the requests that only need a map lookup (bench/FINDINGS.md,
 * docs/deploy.md). Here each hash runs on a worker thread that lowered its own priority
 * (`nice`, Linux: a per-thread value) before its first hash, so under contention the scheduler
 * serves requests first and hashing takes what is left; on an idle machine it still gets a whole
 * core.
 *
 * Hand-written because no package runs argon2 on priority-lowered threads: @node-rs/argon2's async
 * functions use libuv's pool, whose threads a program cannot address. The workers call its
 * synchronous functions, which block only their own thread.
 */
import { availableParallelism } from 'node:os'
import { createRequire } from 'node:module'
import { Worker } from 'node:worker_threads'
import type { Options as Argon2Options } from '@node-rs/argon2'
import type { Argon2Primitives } from '../accounts/passwords/index.js'

/**
 * `PASSWORD_HASH_CONCURRENCY` when it is 0: one less than the cores, so one stays for the event
 * loop; at most 4, since each hashing thread has a JavaScript heap of its own (~12 MB) and libuv's
 * pool, which hashed before, had 4 threads.
 */
export function defaultHashConcurrency(cores = availableParallelism()): number {
  return Math.min(4, Math.max(1, cores - 1))
}

export interface HashWorkersOptions {
  /** Most hashes at once: one worker thread each, started when first needed. */
  size: number
  /** The workers' nice value, 0 (the event loop's priority) to 19 (the lowest). */
  nice: number
  /** Told when a worker fails or exits on its own (its job, if any, is refused). */
  onWorkerError?: (error: Error) => void
}

/**
 * The worker's code, as a string: it must run both from the build and from the TypeScript sources
 * under the test runner, and needs nothing but @node-rs/argon2 (its resolved path is passed in).
 * It reports whether it could lower its priority, then answers one job at a time.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads')
const { readlinkSync } = require('node:fs')
const { setPriority } = require('node:os')
const argon2 = require(workerData.argon2Path)
let niced = false
try {
  // /proc/thread-self is this thread's /proc/<pid>/task/<tid>; setpriority(tid) acts on it alone.
  const tid = Number(readlinkSync('/proc/thread-self').split('/').pop())
  if (workerData.nice > 0) setPriority(tid, workerData.nice)
  niced = true
} catch {}
parentPort.postMessage({ ready: true, niced })
parentPort.on('message', ({ op, args }) => {
  try {
    const value = op === 'hash' ? argon2.hashSync(args[0], args[1]) : argon2.verifySync(args[0], args[1])
    parentPort.postMessage({ ok: true, value })
  } catch (error) {
    parentPort.postMessage({ ok: false, message: String(error && error.message || error) })
  }
})
`

type Op = 'hash' | 'verify'

interface Job {
  op: Op
  args: readonly unknown[]
  resolve(value: unknown): void
  reject(error: unknown): void
}

interface Slot {
  worker: Worker
  /** The job it is working on; undefined while idle. */
  job: Job | undefined
}

/** The argon2 functions the hasher calls, run on priority-lowered worker threads. */
export class HashWorkers implements Argon2Primitives {
  readonly #size: number
  readonly #nice: number
  readonly #argon2Path = createRequire(import.meta.url).resolve('@node-rs/argon2')
  readonly #slots = new Set<Slot>()
  readonly #queue: Job[] = []
  readonly #onWorkerError: (error: Error) => void
  #closed = false
  /** Whether the last worker to start could set its priority (false off Linux). */
  niced: boolean | undefined

  constructor(options: HashWorkersOptions) {
    if (!Number.isInteger(options.size) || options.size < 1)
      throw new RangeError('size must be a positive integer')
    if (!Number.isInteger(options.nice) || options.nice < 0 || options.nice > 19)
      throw new RangeError('nice must be an integer from 0 to 19')
    this.#size = options.size
    this.#nice = options.nice
    this.#onWorkerError = options.onWorkerError ?? (() => {})
  }

  hash(password: string, options: Argon2Options): Promise<string> {
    return this.#submit('hash', [password, options]) as Promise<string>
  }

  verify(hashed: string, password: string): Promise<boolean> {
    return this.#submit('verify', [hashed, password]) as Promise<boolean>
  }

  /** Stops every worker; jobs queued or running are refused. */
  async close(): Promise<void> {
    this.#closed = true
    const refused = new Error('the password hasher is closed')
    for (const job of this.#queue.splice(0)) job.reject(refused)
    const slots = [...this.#slots]
    this.#slots.clear()
    for (const slot of slots) slot.job?.reject(refused)
    await Promise.all(slots.map((slot) => slot.worker.terminate()))
  }

  #submit(op: Op, args: readonly unknown[]): Promise<unknown> {
    if (this.#closed) return Promise.reject(new Error('the password hasher is closed'))
    return new Promise((resolve, reject) => {
      this.#queue.push({ op, args, resolve, reject })
      this.#dispatch()
    })
  }

  #dispatch(): void {
    for (const slot of this.#slots) {
      if (this.#queue.length === 0) return
      if (slot.job === undefined) this.#start(slot, this.#queue.shift() as Job)
    }
    while (this.#queue.length > 0 && this.#slots.size < this.#size) {
      this.#start(this.#spawn(), this.#queue.shift() as Job)
    }
  }

  #start(slot: Slot, job: Job): void {
    try {
      slot.worker.postMessage({ op: job.op, args: job.args })
      slot.job = job
    } catch (error) {
      // Arguments that cannot be sent (not plain data): this job fails, the worker stays free.
      job.reject(error)
    }
  }

  #spawn(): Slot {
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { argon2Path: this.#argon2Path, nice: this.#nice },
    })
    // Never what keeps a process alive: a CLI command that hashed once still exits.
    worker.unref()
    const slot: Slot = { worker, job: undefined }
    this.#slots.add(slot)
    worker.on('message', (message: WorkerMessage) => {
      if ('ready' in message) {
        this.niced = message.niced
        return
      }
      const job = slot.job
      slot.job = undefined
      if (message.ok) job?.resolve(message.value)
      else job?.reject(new Error(message.message))
      this.#dispatch()
    })
    // A worker that dies takes only its own job with it; the next job starts a new one.
    const retire = (error: Error) => {
      if (!this.#slots.delete(slot)) return
      this.#onWorkerError(error)
      slot.job?.reject(error)
      slot.job = undefined
      this.#dispatch()
    }
    worker.on('error', retire)
    worker.on('exit', (code) => retire(new Error(`password hashing thread exited (${code})`)))
    return slot
  }
}

type WorkerMessage =
  | { ready: true; niced: boolean }
  | { ok: true; value: unknown }
  | { ok: false; message: string }

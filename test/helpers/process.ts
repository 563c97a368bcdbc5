import { type ChildProcess, spawn } from 'node:child_process'
import { resolve } from 'node:path'
import { SERVER_NODE_FLAGS } from '../../src/server/node-flags.js'

const MAIN = resolve(import.meta.dirname, '../../dist/cli/main.js')

export interface ServerProcess {
  readonly child: ChildProcess
  readonly url: string
  /** Resolves with the exit code (or signal name) when the process ends. */
  readonly exited: Promise<number | string>
  output(): string
  /** What the server wrote to its stdout alone (a pipe). */
  stdout(): string
}

/**
 * Starts the built server (`npm run build` first) as a real process on a free port, with the node
 * flags `npm start` uses unless told otherwise. Its stdout is a pipe read into `output()`, or the
 * file descriptor given (a file: `output()` then holds stderr alone); `args` go after `serve`.
 * A variable given as `undefined` is left unset, so its setting keeps its default.
 */
export async function spawnServer(
  env: Record<string, string | undefined>,
  nodeFlags: readonly string[] = SERVER_NODE_FLAGS,
  { stdout = 'pipe', args = [] }: { stdout?: 'pipe' | number; args?: readonly string[] } = {},
): Promise<ServerProcess> {
  const child = spawn(process.execPath, [...nodeFlags, MAIN, 'serve', ...args], {
    env: { PATH: process.env.PATH ?? '', TESSERA_PORT: '0', TESSERA_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', stdout, 'pipe'],
  })
  let output = ''
  let stdoutText = ''
  child.stdout?.on('data', (chunk) => {
    output += chunk
    stdoutText += chunk
  })
  child.stderr?.on('data', (chunk) => {
    output += chunk
  })
  const exited = new Promise<number | string>((done) =>
    child.on('exit', (code, signal) => done(code ?? signal ?? -1)),
  )
  const url = await new Promise<string>((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`server did not start:\n${output}`)), 20_000)
    const poll = setInterval(() => {
      const match = /tessera listening on (http:\/\/[^\s]+)/.exec(output)
      if (match?.[1]) {
        clearInterval(poll)
        clearTimeout(timer)
        done(match[1])
      }
    }, 20)
    void exited.then(() => {
      clearInterval(poll)
      clearTimeout(timer)
      fail(new Error(`server exited early:\n${output}`))
    })
  })
  return { child, url, exited, output: () => output, stdout: () => stdoutText }
}

export async function postJson(
  url: string,
  body: unknown,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
  return { status: res.status, body: (await res.json()) as Record<string, unknown> }
}

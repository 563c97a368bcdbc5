/**
 * Interactive prompts on a real terminal (a pty through util-linux `script`; `npm run build`
 * first): passwords are not echoed, and the command exits when done although the terminal stays
 * open.
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCommand } from '../helpers/cli.js'

const MAIN = resolve(import.meta.dirname, '../../dist/cli/main.js')
let dir: string
let env: Record<string, string>

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tessera-pty-'))
  env = {
    TESSERA_DATABASE_URL: `sqlite:${join(dir, 'db.sqlite3')}`,
    TESSERA_KEY_DIR: join(dir, 'keys'),
    TESSERA_ARGON2_MEMORY_KIB: '1024',
    TESSERA_ARGON2_ITERATIONS: '1',
  }
  expect((await runCommand(env, 'migrate')).code).toBe(0)
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/**
 * Runs `tessera <args>` on a pty and answers each prompt as it appears. The terminal's input stays
 * open throughout: the command must end by itself.
 */
function onTerminal(args: string[], answers: [RegExp, string][]) {
  const child = spawn('script', ['-qec', [process.execPath, MAIN, ...args].join(' '), '/dev/null'], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  let output = ''
  let answered = 0
  const onOutput = (chunk: Buffer) => {
    output += chunk
    const next = answers[answered]
    if (next?.[0].test(output.slice(output.lastIndexOf('\n') + 1))) {
      answered++
      child.stdin.write(`${next[1]}\r`)
    }
  }
  child.stdout.on('data', onOutput)
  child.stderr.on('data', onOutput)
  return new Promise<{ code: number | string; output: string }>((done) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000)
    child.on('exit', (code, signal) => {
      clearTimeout(timer)
      child.stdin.destroy()
      done({ code: code ?? signal ?? -1, output })
    })
  })
}

describe('interactive prompts', () => {
  it('createsuperuser: username and email echo, the password does not, and the command exits', async () => {
    const { code, output } = await onTerminal(
      ['createsuperuser'],
      [
        [/Username: $/, 'root'],
        [/Email address: $/, 'root@example.com'],
        [/Password: $/, 'Typed-Secret-4471'],
        [/Password \(again\): $/, 'Typed-Secret-4471'],
      ],
    )
    expect(output).toContain('Superuser created successfully')
    expect(output).toContain('root@example.com')
    expect(output).not.toContain('Typed-Secret-4471')
    expect(code).toBe(0)
  }, 20_000)

  it('changepassword: no echo, and the command exits', async () => {
    const { code, output } = await onTerminal(
      ['changepassword', 'root'],
      [
        [/Password for user 'root': $/, 'Other-Secret-5582'],
        [/Password \(again\): $/, 'Other-Secret-5582'],
      ],
    )
    expect(output).toContain("Password changed successfully for user 'root'")
    expect(output).not.toContain('Other-Secret-5582')
    expect(code).toBe(0)
  }, 20_000)
})

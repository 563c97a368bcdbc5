/**
 * The node flags a server runs with (src/server/node-flags.ts): every way of starting one passes
 * them, and a server started without them says so.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { lacksServerNodeFlags, SERVER_NODE_FLAGS, withServerNodeFlags } from '../../src/server/node-flags.js'
import { spawnServer } from '../helpers/process.js'

const REPO = resolve(import.meta.dirname, '../..')
const WARNING = 'node was started without the server flags'

describe('server node flags', () => {
  it('are added for cluster workers unless the operator chose the memory reducer either way', () => {
    expect(withServerNodeFlags([])).toEqual(['--no-memory-reducer'])
    expect(withServerNodeFlags(['--max-old-space-size=512'])).toEqual([
      '--no-memory-reducer',
      '--max-old-space-size=512',
    ])
    expect(withServerNodeFlags(['--memory-reducer'])).toEqual(['--memory-reducer'])
    expect(withServerNodeFlags(['--memory_reducer'])).toEqual(['--memory_reducer'])
    expect(withServerNodeFlags(['--no-memory-reducer'])).toEqual(['--no-memory-reducer'])
  })

  it('are missing only when the command line did not choose', () => {
    expect(lacksServerNodeFlags([])).toBe(true)
    expect(lacksServerNodeFlags(['--inspect', '--max-old-space-size=512'])).toBe(true)
    expect(lacksServerNodeFlags(['--no-memory-reducer'])).toBe(false)
    expect(lacksServerNodeFlags(['--max-old-space-size=512', '--memory-reducer'])).toBe(false)
    // A flag of another name that merely contains the words does not count.
    expect(lacksServerNodeFlags(['--no-memory-reducer-x'])).toBe(true)
  })

  it('are what `npm start` and the tessera bin (its shebang) pass to node', () => {
    const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>
      bin: Record<string, string>
    }
    expect(pkg.scripts.start).toBe(`node ${SERVER_NODE_FLAGS.join(' ')} dist/cli/main.js serve`)
    for (const bin of Object.values(pkg.bin)) {
      const shebang = readFileSync(join(REPO, bin), 'utf8').split('\n')[0]
      expect(shebang).toBe(`#!/usr/bin/env -S node ${SERVER_NODE_FLAGS.join(' ')}`)
    }
  })

  describe('a real server process', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-flags-'))
    afterAll(() => rmSync(dir, { recursive: true, force: true }))
    const env = (name: string) => ({
      TESSERA_DATABASE_URL: `sqlite:${join(dir, `${name}.sqlite3`)}`,
      TESSERA_KEY_DIR: join(dir, `${name}-keys`),
    })

    it('warns once at startup when started without the flags', async () => {
      const server = await spawnServer(env('bare'), [])
      try {
        await expect.poll(() => server.output()).toContain(WARNING)
        expect(server.output().split(WARNING)).toHaveLength(2)
        expect(server.output()).toContain('--no-memory-reducer')
      } finally {
        server.child.kill('SIGTERM')
        await server.exited
      }
    })

    it('stays quiet when started as npm start starts it', async () => {
      const server = await spawnServer(env('flags'))
      try {
        const res = await fetch(`${server.url}/healthz`)
        expect(res.status).toBe(200)
        expect(server.output()).not.toContain(WARNING)
      } finally {
        server.child.kill('SIGTERM')
        await server.exited
      }
    })
  })
})

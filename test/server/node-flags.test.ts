/**
 * The node flags a server runs with (src/server/node-flags.ts): every way of starting one passes
 * them, and a server started without them says so.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import {
  missingServerNodeFlags,
  SERVER_NODE_FLAGS,
  withServerNodeFlags,
} from '../../src/server/node-flags.js'
import { spawnServer } from '../helpers/process.js'

const REPO = resolve(import.meta.dirname, '../..')
const WARNING = 'node was started without the server flags'

describe('server node flags', () => {
  it('are added for cluster workers, but not those the operator chose either way', () => {
    const both = ['--no-memory-reducer', '--min-semi-space-size=8']
    expect(SERVER_NODE_FLAGS).toEqual(both)
    expect(withServerNodeFlags([])).toEqual(both)
    expect(withServerNodeFlags(['--max-old-space-size=512'])).toEqual([...both, '--max-old-space-size=512'])
    expect(withServerNodeFlags(['--memory-reducer'])).toEqual(['--min-semi-space-size=8', '--memory-reducer'])
    expect(withServerNodeFlags(['--memory_reducer'])).toEqual(['--min-semi-space-size=8', '--memory_reducer'])
    expect(withServerNodeFlags(['--no-memory-reducer'])).toEqual([
      '--min-semi-space-size=8',
      '--no-memory-reducer',
    ])
    // Either bound of the young generation is the operator's call: ours could contradict it.
    expect(withServerNodeFlags(['--max-semi-space-size=4'])).toEqual([
      '--no-memory-reducer',
      '--max-semi-space-size=4',
    ])
    expect(withServerNodeFlags(['--min_semi_space_size=2', '--memory-reducer'])).toEqual([
      '--min_semi_space_size=2',
      '--memory-reducer',
    ])
  })

  it('are missing only when the command line did not choose', () => {
    expect(missingServerNodeFlags([])).toEqual(SERVER_NODE_FLAGS)
    expect(missingServerNodeFlags(['--inspect', '--max-old-space-size=512'])).toEqual(SERVER_NODE_FLAGS)
    expect(missingServerNodeFlags(['--no-memory-reducer'])).toEqual(['--min-semi-space-size=8'])
    expect(missingServerNodeFlags(['--min-semi-space-size=8', '--memory-reducer'])).toEqual([])
    expect(missingServerNodeFlags(SERVER_NODE_FLAGS)).toEqual([])
    // A flag of another name that merely contains the words does not count.
    expect(missingServerNodeFlags(['--no-memory-reducer-x', '--min-semi-space-size-x=1'])).toEqual(
      SERVER_NODE_FLAGS,
    )
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
        for (const flag of SERVER_NODE_FLAGS) expect(server.output()).toContain(flag)
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

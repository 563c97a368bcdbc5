/**
 * `@tessera/client`'s public declarations compile in a consumer without the DOM lib (a React Native
 * or server project on `lib: ["ES2022"]`), and still hand DOM and Node consumers their platform's
 * own `Response`. The consumer sees the built packages (`npm run build` first) as an install would:
 * `@tessera/client` and `@tessera/protocol` in its node_modules.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import ts from 'typescript'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const ROOT = resolve(import.meta.dirname, '../../..')
let dir: string

/** Type errors of `source` compiled as a consumer module beside the emitted declarations. */
function consumerErrors(
  name: string,
  source: string,
  lib: string[],
  types: string[],
  skipLibCheck = false,
): string[] {
  const file = join(dir, `${name}.ts`)
  writeFileSync(file, source)
  const program = ts.createProgram([file], {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    lib,
    types,
    typeRoots: [join(ROOT, 'node_modules/@types')],
    strict: true,
    exactOptionalPropertyTypes: true,
    noEmit: true,
    // Without the DOM the point is the library's declarations: check them too. (With the DOM or
    // Node's types, checking those big libraries adds nothing; the consumer's code is checked.)
    skipLibCheck,
  })
  return ts
    .getPreEmitDiagnostics(program)
    .map((d) => `${d.file?.fileName ?? ''}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`)
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tessera-client-types-'))
  writeFileSync(join(dir, 'package.json'), '{"type":"module"}')
  mkdirSync(join(dir, 'node_modules/@tessera'), { recursive: true })
  for (const name of ['protocol', 'client']) {
    const built = join(ROOT, 'packages', name, 'dist/index.d.ts')
    if (!existsSync(built)) throw new Error(`${built} is missing: run npm run build first`)
    symlinkSync(join(ROOT, 'packages', name), join(dir, 'node_modules/@tessera', name), 'dir')
  }
})
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true })
})

const USE = `
import {
  createTesseraClient,
  errorFromResponse,
  SessionExpiredError,
  type TesseraClient,
  type TesseraClientOptions,
} from '@tessera/client'

const options: TesseraClientOptions = { baseUrl: 'https://auth.example.com', mode: 'body' }
const client: TesseraClient = createTesseraClient(options)
export async function use(): Promise<number> {
  await client.login('alice', 'Wonderland-42!')
  const response = await client.fetch('/api/hello/', { method: 'GET', headers: { accept: 'application/json' } })
  if (!response.ok) throw await errorFromResponse(response)
  const me = await client.me()
  return response.status + me.id + (new SessionExpiredError(401, 'gone').status)
}
`

describe('@tessera/client declarations', () => {
  it('compile under lib ES2022 alone: no DOM, no @types/node', () => {
    expect(consumerErrors('no-dom', USE, ['lib.es2022.d.ts'], [])).toEqual([])
  }, 60_000)

  it('give a DOM consumer the DOM Response, Request and RequestInit', () => {
    const source = `${USE}
export async function dom(): Promise<Response> {
  const request = new Request('https://auth.example.com/api/hello/')
  const init: RequestInit = { headers: new Headers({ accept: 'application/json' }), cache: 'no-store' }
  const response: Response = await client.fetch(request, init)
  await response.arrayBuffer()
  // @ts-expect-error the DOM's Response, not \`any\` (an \`any\` would leave this directive unused)
  response satisfies number
  createTesseraClient({ fetch: window.fetch })
  return client.fetch(new URL('https://auth.example.com/api/me/'))
}
`
    expect(consumerErrors('dom', source, ['lib.es2022.d.ts', 'lib.dom.d.ts'], [], true)).toEqual([])
  }, 60_000)

  it('give a Node consumer (no DOM) the fetch types of @types/node', () => {
    const source = `${USE}
export async function node(): Promise<ArrayBuffer> {
  const response = await client.fetch(new URL('https://auth.example.com/api/me/'), { method: 'GET' })
  createTesseraClient({ fetch: globalThis.fetch })
  // @ts-expect-error Node's Response, not \`any\`
  response satisfies number
  return response.arrayBuffer()
}
`
    expect(consumerErrors('node', source, ['lib.es2022.d.ts'], ['node'], true)).toEqual([])
  }, 60_000)
})

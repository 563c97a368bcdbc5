import {
  type KeyRingDocument,
  newStoredKey,
  promoteInDocument,
  retireInDocument,
  rotateDocument,
} from '../../keys/index.js'
import { readRingFile, ringPath, writeRingFile } from '../../server/key-files.js'
import { loadSettings } from '../../settings/load.js'
import { ALGORITHMS, type Algorithm } from '../../settings/types.js'
import { parseCommandArgs } from '../args.js'
import type { CliIO, Command } from '../command.js'

const USAGE = `usage: tessera keys <generate|list|rotate|promote|retire> [options]
  generate [--alg EdDSA] [--force]   create KEY_DIR/keyring.json with a new signing key
  list                               show every key: kid, algorithm, status, created
  rotate [--alg EdDSA] [--stage]     add a key that signs from now on (--stage: verifies only, until promoted)
  promote <kid>                      a staged key starts signing
  retire <kid>                       a key stops verifying (its tokens are refused)
Running servers pick changes up within 2 seconds; old keys keep verifying until retired.
`

function algorithmOf(value: string | undefined, fallback: Algorithm): Algorithm {
  const alg = value ?? fallback
  if (!(ALGORITHMS as readonly string[]).includes(alg))
    throw new Error(`--alg must be one of ${ALGORITHMS.join(', ')}`)
  return alg as Algorithm
}

function requireRing(dir: string): KeyRingDocument {
  const document = readRingFile(dir)
  if (document === undefined)
    throw new Error(`no key ring at ${ringPath(dir)}: run "tessera keys generate" first`)
  return document
}

function list(document: KeyRingDocument, io: CliIO): void {
  io.stdout.write('kid                                          alg     status   created\n')
  for (const key of document.keys) {
    const flag = key.generated_for_development ? '  (development)' : ''
    io.stdout.write(
      `${key.kid.padEnd(44)} ${key.alg.padEnd(7)} ${key.status.padEnd(8)} ${key.created_at}${flag}\n`,
    )
  }
}

/** `tessera keys …`: the key ring file under `KEY_DIR` (private, 0600). */
export const keysCommand: Command = {
  name: 'keys',
  summary: 'manage signing keys: generate, list, rotate, promote, retire',
  async run(args, io) {
    const [sub, ...rest] = args
    // A kid is a base64url thumbprint and may begin with "-": promote and retire take it as is,
    // never through the option parser.
    const takesKid = sub === 'promote' || sub === 'retire'
    const { values, positionals } = takesKid
      ? {
          values: {} as { alg?: string; force?: boolean; stage?: boolean },
          positionals: rest.filter((arg) => arg !== '--'),
        }
      : parseCommandArgs(rest, {
          alg: { type: 'string' },
          force: { type: 'boolean' },
          stage: { type: 'boolean' },
        })
    const settings = loadSettings({ env: io.env })
    const dir = settings.KEY_DIR
    const now = new Date()
    switch (sub) {
      case 'generate': {
        if (readRingFile(dir) !== undefined && !values.force) {
          io.stderr.write(`${ringPath(dir)} exists: use "tessera keys rotate", or --force to replace it\n`)
          return 1
        }
        const key = await newStoredKey(algorithmOf(values.alg, settings.ALGORITHM), now)
        writeRingFile(dir, { keys: [key] })
        io.stdout.write(`Generated ${key.alg} key ${key.kid} in ${ringPath(dir)}\n`)
        return 0
      }
      case 'list':
        list(requireRing(dir), io)
        return 0
      case 'rotate': {
        const document = requireRing(dir)
        const key = await rotateDocument(
          document,
          algorithmOf(values.alg, settings.ALGORITHM),
          now,
          values.stage === true,
        )
        writeRingFile(dir, document)
        io.stdout.write(
          values.stage
            ? `Staged ${key.alg} key ${key.kid}: it verifies now; "tessera keys promote ${key.kid}" makes it sign\n`
            : `Rotated: ${key.alg} key ${key.kid} signs from now on; older keys still verify until retired\n`,
        )
        return 0
      }
      case 'promote':
      case 'retire': {
        const kid = positionals[0]
        if (kid === undefined) {
          io.stderr.write(USAGE)
          return 2
        }
        const document = requireRing(dir)
        if (sub === 'promote') promoteInDocument(document, kid, now)
        else retireInDocument(document, kid)
        writeRingFile(dir, document)
        io.stdout.write(
          sub === 'promote'
            ? `Key ${kid} signs from now on\n`
            : `Key ${kid} retired: its tokens are refused\n`,
        )
        return 0
      }
      default:
        io.stderr.write(USAGE)
        return 2
    }
  },
}

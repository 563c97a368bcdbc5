import { isAbsolute, resolve } from 'node:path'
import { SettingsError } from '../../core/errors.js'
import {
  generateKeyRingFile,
  listKeys,
  promoteKey,
  retireKey,
  ringAlgorithm,
  ringPath,
  rotateKeyRingFile,
} from '../../node/key-files.js'
import { loadSettings } from '../../settings/index.js'
import { ALGORITHMS, type Algorithm } from '@tessera/protocol'
import { parseCommandArgs } from '../args.js'
import type { CliIO, Command } from '../command.js'

const USAGE = `usage: tessera keys <generate|list|rotate|promote|retire> [options]
  generate [--algorithm EdDSA] [--force]
                                     create KEY_DIR/keyring.json with a new signing key
  list                               show every key: kid, algorithm, status, created
  rotate [--algorithm ES256] [--stage]
                                     add a key that signs from now on (--stage: verifies only, until promoted);
                                     it keeps the ring's algorithm unless --algorithm (or --alg) names another
  promote <kid>                      a staged key starts signing
  retire <kid>                       a key stops verifying (its tokens are refused)
Running servers pick changes up within 2 seconds; old keys keep verifying until retired.
`

/** The operator's mistake, printed on stderr with exit code 1 (never a stack trace). */
class UsageError extends Error {}

function algorithmOf(value: string | undefined): Algorithm | undefined {
  if (value !== undefined && !(ALGORITHMS as readonly string[]).includes(value)) {
    throw new UsageError(`--algorithm must be one of ${ALGORITHMS.join(', ')}`)
  }
  return value as Algorithm | undefined
}

/**
 * Rotation keeps the ring's algorithm: an ALGORITHM setting in the environment that differs is
 * only pointed out, and a deliberate switch is announced with what servers need to follow it.
 */
function explainAlgorithm(io: CliIO, before: Algorithm | undefined, after: Algorithm | undefined): void {
  const setting = io.env.TESSERA_ALGORITHM
  if (after !== undefined && before !== undefined && after !== before) {
    io.stderr.write(
      `tessera keys: the ring now signs with ${after}, not ${before}. Servers refuse a ring of ` +
        `another algorithm: running ones keep their keys (and log a warning) until restarted ` +
        `with TESSERA_ALGORITHM=${after}\n`,
    )
  } else if (setting !== undefined && after !== undefined && setting !== after) {
    io.stderr.write(
      `tessera keys: the ring signs with ${after}; TESSERA_ALGORITHM=${setting} does not change ` +
        `that (use --algorithm ${setting} to switch the ring)\n`,
    )
  }
}

async function list(dir: string, io: CliIO): Promise<void> {
  io.stdout.write(`${'kid'.padEnd(44)} ${'alg'.padEnd(7)} ${'status'.padEnd(8)} created\n`)
  for (const key of await listKeys(dir)) {
    const notes = [key.signing ? 'signing' : '', key.generatedForDevelopment ? 'development' : '']
      .filter(Boolean)
      .join(', ')
    io.stdout.write(
      `${key.kid.padEnd(44)} ${key.alg.padEnd(7)} ${key.status.padEnd(8)} ${key.createdAt}${notes ? `  (${notes})` : ''}\n`,
    )
  }
}

async function run(sub: string | undefined, rest: readonly string[], io: CliIO): Promise<number> {
  // A kid is a base64url thumbprint and may begin with "-": promote and retire take it as is,
  // never through the option parser.
  const takesKid = sub === 'promote' || sub === 'retire'
  const { values, positionals } = takesKid
    ? {
        values: {} as { alg?: string; algorithm?: string; force?: boolean; stage?: boolean },
        positionals: rest.filter((arg) => arg !== '--'),
      }
    : parseCommandArgs(rest, {
        alg: { type: 'string' },
        algorithm: { type: 'string' },
        force: { type: 'boolean' },
        stage: { type: 'boolean' },
      })
  const settings = loadSettings({ env: io.env, uses: ['keys'] })
  // A relative KEY_DIR means the operator's working directory, as it does for the server.
  const dir = isAbsolute(settings.KEY_DIR) ? settings.KEY_DIR : resolve(io.cwd, settings.KEY_DIR)
  const chosen = values.algorithm ?? values.alg
  switch (sub) {
    case 'generate': {
      const key = await generateKeyRingFile(dir, algorithmOf(chosen) ?? settings.ALGORITHM, {
        force: values.force === true,
      })
      io.stdout.write(`Generated ${key.alg} key ${key.kid} in ${ringPath(dir)}\n`)
      return 0
    }
    case 'list':
      await list(dir, io)
      return 0
    case 'rotate': {
      const stage = values.stage === true
      const before = ringAlgorithm(dir)
      const key = await rotateKeyRingFile(dir, algorithmOf(chosen), { stage })
      io.stdout.write(
        stage
          ? `Staged ${key.alg} key ${key.kid}: it verifies now; "tessera keys promote ${key.kid}" makes it sign\n`
          : `Rotated: ${key.alg} key ${key.kid} signs from now on; older keys still verify until retired\n`,
      )
      explainAlgorithm(io, before, ringAlgorithm(dir))
      return 0
    }
    case 'promote':
    case 'retire': {
      const kid = positionals[0]
      if (kid === undefined) {
        io.stderr.write(USAGE)
        return 2
      }
      if (sub === 'promote') {
        const before = ringAlgorithm(dir)
        promoteKey(dir, kid)
        io.stdout.write(`Key ${kid} signs from now on\n`)
        explainAlgorithm(io, before, ringAlgorithm(dir))
      } else {
        retireKey(dir, kid)
        io.stdout.write(`Key ${kid} retired: its tokens are refused\n`)
      }
      return 0
    }
    default:
      io.stderr.write(USAGE)
      return 2
  }
}

/**
 * `tessera keys …`: the key ring file `KEY_DIR/keyring.json` (0600 in a 0700 folder). Rotation
 * adds a key and keeps the old ones verifying; only `retire` stops a key's tokens.
 */
export const keysCommand: Command = {
  name: 'keys',
  summary: 'manage signing keys: generate, list, rotate, promote, retire',
  async run(args, io) {
    const [sub, ...rest] = args
    try {
      return await run(sub, rest, io)
    } catch (error) {
      if (error instanceof SettingsError || error instanceof UsageError) {
        io.stderr.write(`tessera keys: ${error.message}\n`)
        return 1
      }
      if ((error as { code?: unknown }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
        io.stderr.write(`tessera keys: ${(error as Error).message}\n${USAGE}`)
        return 2
      }
      throw error
    }
  },
}

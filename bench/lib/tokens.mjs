// Populations of distinct access tokens for the *-distinct scenarios, minted quickly with the
// server's own signing key, and the Ed25519 verify-alone rate they are judged against.
import { createHmac, createPrivateKey, createPublicKey, randomBytes, sign, verify } from 'node:crypto'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { SECRET } from './config.mjs'
import { expectHello, keyDir, pool, userWithTokens, workFile } from './servers.mjs'

const HMAC_HASHES = { HS256: 'sha256', HS384: 'sha384', HS512: 'sha512' }

/**
 * The signer of the Tessera server `name` for tokens whose header is `header`: its HMAC `secret`
 * (TESSERA_SIGNING_KEY) when it has one, else the key ring's key of that `kid` under its KEY_DIR.
 */
function signingKeyOf(name, header, secret) {
  const ringFile = join(keyDir(name), 'keyring.json')
  const ring = existsSync(ringFile) ? JSON.parse(readFileSync(ringFile, 'utf8')).keys : []
  const jwk = ring.find((key) => header.kid !== undefined && key.kid === header.kid) ?? ring[0]
  if (header.alg in HMAC_HASHES) {
    const key = secret || (jwk?.kty === 'oct' ? Buffer.from(jwk.k, 'base64url') : undefined)
    if (key === undefined) throw new Error(`cannot mint ${header.alg} tokens for ${name}: no secret`)
    return (input) => createHmac(HMAC_HASHES[header.alg], key).update(input).digest('base64url')
  }
  if (header.alg !== 'EdDSA' || jwk?.kty !== 'OKP')
    throw new Error(`cannot mint ${header.alg} tokens for ${name}: no such key in ${ringFile}`)
  const { kid, alg, use, status, created_at, generated_for_development, ...material } = jwk
  const privateKey = createPrivateKey({ key: material, format: 'jwk' })
  const mint = (input) => sign(null, Buffer.from(input), privateKey).toString('base64url')
  mint.verifyKey = createPublicKey(privateKey)
  return mint
}

/**
 * Registers `users` users on the Tessera server at `url` (server `name`'s files), logs each in once,
 * and mints `count` distinct access tokens from their tokens: each user's claims (session included)
 * with a new `jti`, signed with the server's own key, so that the server accepts every one and no
 * verified-token cache can hold them all (`secret`: the server's TESSERA_SIGNING_KEY, '' for none).
 * The first and last are checked against the server.
 * Returns { access, tokens: { list, file, verifyKey? } }: the tokens, a file of them one a line
 * (for wrk), and for EdDSA the public key.
 */
export async function mintDistinctTokens({ url, name, username, users, count, secret = SECRET }) {
  const templates = await pool(users, 4, (i) => userWithTokens(url, `${username}_${i}`))
  const [headerPart] = templates[0].access.split('.')
  const header = JSON.parse(Buffer.from(headerPart, 'base64url').toString('utf8'))
  const mint = signingKeyOf(name, header, secret)
  const claims = templates.map((t) => JSON.parse(Buffer.from(t.access.split('.')[1], 'base64url').toString()))
  const list = new Array(count)
  for (let i = 0; i < count; i++) {
    const payload = { ...claims[i % users], jti: randomBytes(16).toString('hex') }
    const input = `${headerPart}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`
    list[i] = `${input}.${mint(input)}`
  }
  if (new Set(list).size !== count) throw new Error('minted tokens are not all distinct')
  await expectHello(url, list[0])
  await expectHello(url, list[count - 1])
  const file = workFile(`${name}-tokens.txt`)
  writeFileSync(file, `${list.join('\n')}\n`)
  return { access: list[0], tokens: { list, file, verifyKey: mint.verifyKey } }
}

/**
 * Ed25519 verifications per CPU-second of node:crypto alone on one core (this process's CPU time,
 * as the servers' costs are counted from theirs, so that other jobs on the machine do not count),
 * over `tokens` in turn for about `seconds`: signing input and signature decoded beforehand, so
 * that only the verify is timed. Every verify must succeed.
 */
export function ed25519VerifyRate(tokens, seconds) {
  const decoded = tokens.list.map((token) => {
    const dot = token.lastIndexOf('.')
    return [Buffer.from(token.slice(0, dot)), Buffer.from(token.slice(dot + 1), 'base64url')]
  })
  const key = tokens.verifyKey
  let n = 0
  const cpu0 = process.cpuUsage()
  const deadline = performance.now() + seconds * 1000
  while (performance.now() < deadline) {
    for (let i = 0; i < 64; i++, n++) {
      const [input, signature] = decoded[n % decoded.length]
      if (!verify(null, input, key, signature)) throw new Error('a minted EdDSA token does not verify')
    }
  }
  const cpu = process.cpuUsage(cpu0)
  return n / ((cpu.user + cpu.system) / 1e6)
}

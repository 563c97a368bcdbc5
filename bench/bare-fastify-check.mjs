// The baseline plus the least an honest check of a Tessera access token must do: bare Fastify's
// `GET /hello`, each request first verifying its bearer token with node:crypto, 401 otherwise. The
// signature (ALG=HS256: the HMAC of the signing input from two one-shot hashes over precomputed pads,
// compared as base64url text, SIGNING_KEY the bench servers' secret; ALG=EdDSA: one Ed25519 verify,
// the public key from KEY_FILE, a Tessera key ring), then the payload decoded and parsed, `exp` and
// the token type checked. No framework, no error shapes, no cache, no revocation: what any server
// that verifies every token pays at least. Paired with bare Fastify in the *-distinct scenarios, it
// is their check's ceiling.
import { createPublicKey, hash, verify } from 'node:crypto'
import { readFileSync } from 'node:fs'
import Fastify from 'fastify'

const ALG = process.env.ALG ?? 'HS256'

function hmacCheck() {
  const secret = Buffer.from(process.env.SIGNING_KEY ?? '', 'utf8')
  if (secret.length === 0 || secret.length > 64) throw new Error('SIGNING_KEY: 1 to 64 bytes')
  const inner = Buffer.alloc(64 + 16384, 0)
  const outer = Buffer.alloc(64 + 32, 0)
  inner.fill(0x36, 0, 64)
  outer.fill(0x5c, 0, 64)
  for (let i = 0; i < secret.length; i++) {
    inner[i] ^= secret[i]
    outer[i] ^= secret[i]
  }
  const hmac = (signingInput) => {
    const length = 64 + inner.write(signingInput, 64, 'latin1')
    hash('sha256', inner.subarray(0, length), 'buffer').copy(outer, 64)
    return hash('sha256', outer, 'base64url')
  }
  return (signingInput, signature) => sameText(signature, hmac(signingInput))
}

function ed25519Check() {
  const ring = JSON.parse(readFileSync(process.env.KEY_FILE ?? '', 'utf8'))
  const jwk = ring.keys.find((key) => key.kty === 'OKP')
  if (jwk === undefined) throw new Error(`KEY_FILE: no Ed25519 key in ${process.env.KEY_FILE}`)
  const publicKey = createPublicKey({ key: { kty: 'OKP', crv: jwk.crv, x: jwk.x }, format: 'jwk' })
  return (signingInput, signature) =>
    verify(null, Buffer.from(signingInput, 'latin1'), publicKey, Buffer.from(signature, 'base64url'))
}

function sameText(a, b) {
  if (a.length !== b.length) return false
  let difference = 0
  for (let i = 0; i < a.length; i++) difference |= a.charCodeAt(i) ^ b.charCodeAt(i)
  return difference === 0
}

const signatureMatches = ALG === 'EdDSA' ? ed25519Check() : hmacCheck()

function accepts(authorization) {
  if (typeof authorization !== 'string' || !authorization.startsWith('Bearer ')) return false
  const token = authorization.slice(7)
  const first = token.indexOf('.')
  const last = token.lastIndexOf('.')
  if (first < 1 || last === first) return false
  if (!signatureMatches(token.slice(0, last), token.slice(last + 1))) return false
  let claims
  try {
    claims = JSON.parse(Buffer.from(token.slice(first + 1, last), 'base64url').toString('latin1'))
  } catch {
    return false
  }
  return claims?.token_type === 'access' && typeof claims.exp === 'number' && claims.exp > Date.now() / 1000
}

const app = Fastify({ logger: false })
app.get('/hello', async (request, reply) => {
  if (!accepts(request.headers.authorization)) return reply.code(401).send({ detail: 'no' })
  return { message: 'Hello, World!' }
})
const address = await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT ?? 0) })
console.log(`bare fastify listening on ${address}`)
process.once('SIGINT', () => process.exit(0))
process.once('SIGTERM', () => app.close().then(() => process.exit(0)))

// Micro-benchmark of the codec's hot entry point (`verifyNow`) on distinct HS256 access tokens,
// each arriving as a fresh string as it does from an HTTP request (`npm run build` first):
//   node bench/micro-verify.mjs [tokens=100000] [iterations=400000]
// Prints µs per verification for three passes; bench/FINDINGS.md keeps the figures.
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'

const dist = join(new URL('.', import.meta.url).pathname, '..', 'dist')
const { loadSettings } = await import(join(dist, 'settings/load.js'))
const { hmacKeyRing } = await import(join(dist, 'keys/index.js'))
const { TokenCodec } = await import(join(dist, 'tokens/codec.js'))
const { signHmacJws } = await import(join(dist, 'node/hmac-signer.js'))
const { nodeSyncVerifier } = await import(join(dist, 'node/sync-verifier.js'))

const count = Number(process.argv[2] ?? 100_000)
const iterations = Number(process.argv[3] ?? 400_000)
const secret = 'bench-signing-key-that-is-long-enough-for-hs256-0123456789'
const settings = loadSettings({ mode: 'test', overrides: { SIGNING_KEY: secret } })
const codec = new TokenCodec(settings, await hmacKeyRing(secret, 'HS256'), undefined, {
  hmacSigner: signHmacJws,
  syncVerifier: nodeSyncVerifier,
})
const tokens = []
for (let i = 0; i < count; i++) {
  const sessionId = randomBytes(16).toString('base64url')
  tokens.push(Buffer.from((await codec.issue('access', 1 + (i % 100), {}, { sessionId })).token))
}
for (let pass = 0; pass < 3; pass++) {
  const started = process.hrtime.bigint()
  for (let i = 0; i < iterations; i++) {
    // A new string each time, as the HTTP parser hands one over: no hash or flat copy cached yet.
    const raw = tokens[i % count].toString('latin1')
    if (codec.verifyNow(raw, 'access') === undefined) throw new Error('not answered synchronously')
  }
  const micros = Number(process.hrtime.bigint() - started) / iterations / 1000
  console.log(`pass ${pass + 1}: ${micros.toFixed(2)} µs per verification (${count} distinct tokens)`)
}

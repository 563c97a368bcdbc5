// Protected route, one EdDSA (Ed25519) token sent again and again, vs bare Fastify (DESIGN.md: ≥ 0.8).
import { helloScenario } from '../lib/hello.mjs'
import { helloSection, pairedNote } from './hello-hs256.mjs'

export const name = 'hello-eddsa'
export const title = 'Protected route, EdDSA (Ed25519) token, vs bare Fastify'
export const bar = { text: '≥ 0.8', value: 0.8, met: (x) => x.ratio >= bar.value }

export const run = () =>
  // No SIGNING_KEY: the key ring under the temp KEY_DIR generates an Ed25519 key.
  helloScenario('eddsa', {
    extra: { TESSERA_ALGORITHM: 'EdDSA', TESSERA_SIGNING_KEY: '' },
    expectAlg: 'EdDSA',
    paired: true,
    goal: bar.value,
  })

export const headline = (x) => `${x.tessera_rps} vs ${x.bare_rps} req/s, ratio ${x.ratio}`
export const figure = (x, doc) => `ratio **${doc.f(x.ratio, 3)}**${pairedNote(x, doc)}`
export const section = helloSection(name, title, bar)

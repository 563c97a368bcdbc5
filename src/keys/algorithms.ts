import { HMAC_ALGORITHMS } from '../settings/types.js'

export type HmacAlgorithm = (typeof HMAC_ALGORITHMS)[number]

export const isHmacAlgorithm = (alg: string): alg is HmacAlgorithm =>
  (HMAC_ALGORITHMS as readonly string[]).includes(alg)

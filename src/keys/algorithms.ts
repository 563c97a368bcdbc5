import { HMAC_ALGORITHMS, type HmacAlgorithm } from '../protocol/algorithms.js'

export type { HmacAlgorithm }

export const isHmacAlgorithm = (alg: string): alg is HmacAlgorithm =>
  (HMAC_ALGORITHMS as readonly string[]).includes(alg)

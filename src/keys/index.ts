export { hmacKeyRing, isHmacAlgorithm } from './hmac.js'
export type { KeyMaterial, KeyRing, KeySelector, SigningKey } from './ring.js'

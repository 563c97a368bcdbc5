export { exportRing, importRingDocument, METADATA_MEMBERS, parseRingDocument } from './document.js'
export { isHmacAlgorithm } from './algorithms.js'
export { hmacKeyRing } from './hmac.js'
export {
  completeDocument,
  createKeyRing,
  importRing,
  type KeyRingDocument,
  type KeyStatus,
  loadDocument,
  MAX_KIDLESS_CANDIDATES,
  newStoredKey,
  promoteInDocument,
  type RingKey,
  retireInDocument,
  rotateDocument,
  signerOf,
  type StoredKey,
} from './keyring.js'
export {
  generatePrivateJwk,
  hmacSecretJwk,
  isAsymmetricAlgorithm,
  kidOf,
  type LoadedKey,
  loadPrivateJwk,
  loadPrivatePem,
  loadPublicKey,
  publicJwkOf,
} from './material.js'
export type { KeyMaterial, KeyRing, KeySelector, SigningKey } from './ring.js'
export type { KeyRingAdmin, KeySummary } from './ring-admin.js'

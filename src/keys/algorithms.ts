export { type HmacAlgorithm, isHmacAlgorithm } from '@tessera/protocol'

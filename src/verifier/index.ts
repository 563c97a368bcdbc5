export { createVerifier, type Verifier, type VerifierOptions } from './create-verifier.js'

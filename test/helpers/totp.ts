import { Secret, TOTP } from 'otpauth'

/**
 * The code an authenticator app shows for a base32 secret at `atMs` (now by default): RFC 6238
 * with SHA-1, 6 digits and 30 s steps, computed apart from the server's own code.
 */
export const totpCode = (secretBase32: string, atMs = Date.now()) =>
  TOTP.generate({
    secret: Secret.fromBase32(secretBase32),
    algorithm: 'SHA1',
    digits: 6,
    period: 30,
    timestamp: atMs,
  })

/** A random 128-bit id as 32 lowercase hex characters: simplejwt's `jti` format (uuid4().hex). */
export function newJti(): string {
  const bytes = new Uint8Array(16)
  globalThis.crypto.getRandomValues(bytes)
  let hex = ''
  for (const byte of bytes) hex += byte.toString(16).padStart(2, '0')
  return hex
}

/** Constant-time equality of two strings (CSRF tokens, client secrets). */
export function timingSafeEqualStrings(a: string, b: string): boolean {
  const left = new TextEncoder().encode(a)
  const right = new TextEncoder().encode(b)
  // Compare against itself when lengths differ so the time does not depend on where they differ.
  const other = left.length === right.length ? right : left
  let diff = left.length ^ right.length
  for (let i = 0; i < left.length; i++) diff |= (left[i] ?? 0) ^ (other[i] ?? 0)
  return diff === 0
}

/**
 * A random id as 32 lowercase hex characters: simplejwt's `jti` format, `uuid4().hex` (a version-4
 * UUID, 122 random bits, without its dashes). `randomUUID` draws its entropy in batches, far cheaper
 * per id than a `getRandomValues` call, and every token issued takes one.
 */
export function newJti(): string {
  return globalThis.crypto.randomUUID().replaceAll('-', '')
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

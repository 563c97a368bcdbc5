/** Test-only helpers to look inside and tamper with compact JWTs. */

export function decodePart(token: string, index: 0 | 1): Record<string, unknown> {
  const part = token.split('.')[index] ?? ''
  return JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>
}

export const claimsOf = (token: string) => decodePart(token, 1)
export const headerOf = (token: string) => decodePart(token, 0)

/** Re-encodes the payload with changes but keeps the old signature: a tampered token. */
export function tamper(token: string, changes: Record<string, unknown>): string {
  const [header, , signature] = token.split('.')
  const payload = Buffer.from(JSON.stringify({ ...claimsOf(token), ...changes })).toString('base64url')
  return `${header}.${payload}.${signature}`
}

/**
 * Which stored hashes cost the same to verify: the algorithm and its parameters, without the salt
 * and digest. `pbkdf2_sha256$870000$salt$digest` → `pbkdf2_sha256$870000`;
 * `$argon2id$v=19$m=19456,t=2,p=1$salt$digest` → `$argon2id$v=19$m=19456,t=2,p=1`;
 * `$2b$12$…` → `$2b$12`. Anything
 * else (unusable, malformed) is verified as a burn and is `other`.
 */
export function hashCostKind(stored: string): string {
  // bcrypt: `$2b$12$<salt+digest>` → `$2b$12` (the cost is the third part, not the second-last).
  const bcrypt = /^\$2[aby]\$\d{2}\$/.exec(stored)
  if (bcrypt !== null) return bcrypt[0].slice(0, -1)
  const parts = stored.split('$')
  if (stored.startsWith('!') || parts.length < 4) return 'other'
  // Bounded: the kind is a map key, and a stored hash is data, not code.
  return parts.slice(0, -2).join('$').slice(0, 100)
}

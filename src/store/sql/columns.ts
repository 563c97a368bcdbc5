/** Conversions between domain values and the column encodings described in `schema.ts`. */

/** A `Date` as the epoch milliseconds stored in a time column. */
export const toMillis = (date: Date): number => date.getTime()

/** A time column back to a `Date`. */
export const fromMillis = (ms: number): Date => new Date(Number(ms))

export const toMillisOrNull = (date: Date | null | undefined): number | null =>
  date === null || date === undefined ? null : date.getTime()

export const fromMillisOrNull = (ms: number | null): Date | null =>
  ms === null ? null : new Date(Number(ms))

/** A boolean as written to a boolean column on both dialects. */
export const toFlag = (value: boolean): 0 | 1 => (value ? 1 : 0)

/** A boolean column as read: `true`/`false` from PostgreSQL, `1`/`0` from SQLite. */
export const fromFlag = (value: boolean | number): boolean => value === true || value === 1

/** A count or id that a driver may hand back as a bigint or a string. */
export const toNumber = (value: number | bigint | string): number => Number(value)

/** Width of the `ip` columns (`varchar(64)`). */
const IP_COLUMN_LENGTH = 64

/**
 * A client address as stored: longer than the column, it cannot be an IP address, and PostgreSQL
 * would refuse the whole row; it is stored as unknown (null) instead.
 */
export const toIpColumn = (ip: string | null): string | null =>
  ip !== null && ip.length > IP_COLUMN_LENGTH ? null : ip

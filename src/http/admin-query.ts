/**
 * The admin lists' query strings, read as DRF reads them: `PageNumberPagination` (`page`,
 * `page_size`), `OrderingFilter` (`ordering=-field,field`, unknown fields ignored), `SearchFilter`
 * (`search`) and django-filter's fields (a bad value is a 400 naming the field).
 */
import type { FastifyRequest } from 'fastify'
import type { AdminPage, FieldErrors } from '@tessera/protocol'
import { isValidIPv46 } from '../accounts/validators/ip-address.js'
import { ValidationFailed } from '../core/errors.js'
import type { Counted, OrderTerm, Slice } from '../store/ports.js'
import { NotFound } from './errors.js'

export const DEFAULT_PAGE_SIZE = 50
export const MAX_PAGE_SIZE = 500

type Query = Readonly<Record<string, string | string[] | undefined>>

const queryOf = (request: FastifyRequest): Query => (request.query ?? {}) as Query

/** Django's `QueryDict.get`: the last value of a repeated parameter. */
export function param(request: FastifyRequest, name: string): string | undefined {
  const value = queryOf(request)[name]
  return Array.isArray(value) ? value[value.length - 1] : value
}

/** Which page and how many rows, before the count is known. */
export interface PageRequest {
  /** 1-based; `last` resolved once the count is known. */
  page: number | 'last'
  size: number
}

/**
 * `page` (a positive integer or `last`) and `page_size` (a bad or missing size is the default,
 * a large one is capped, as DRF's `get_page_size` does).
 *
 * @throws NotFound for a page that is not a positive integer (DRF: 404 "Invalid page.")
 */
export function readPage(request: FastifyRequest): PageRequest {
  const rawSize = param(request, 'page_size')
  const parsedSize = rawSize !== undefined && /^\d+$/.test(rawSize) ? Number.parseInt(rawSize, 10) : 0
  const size = parsedSize > 0 ? Math.min(parsedSize, MAX_PAGE_SIZE) : DEFAULT_PAGE_SIZE
  const rawPage = param(request, 'page')
  if (rawPage === undefined || rawPage === '') return { page: 1, size }
  if (rawPage === 'last') return { page: 'last', size }
  if (!/^\d+$/.test(rawPage)) throw new InvalidPage()
  const page = Number.parseInt(rawPage, 10)
  if (page < 1 || !Number.isSafeInteger(page)) throw new InvalidPage()
  return { page, size }
}

/** DRF's answer to a page that does not exist. */
export class InvalidPage extends NotFound {
  constructor() {
    super()
    this.message = 'Invalid page.'
  }
}

/**
 * `ordering`: comma-separated fields, `-` for descending; fields not in `allowed` are dropped,
 * and none left means `fallback` (DRF's `remove_invalid_fields` and default ordering).
 */
export function readOrdering<F extends string>(
  request: FastifyRequest,
  allowed: readonly F[],
  fallback: readonly OrderTerm<F>[],
): OrderTerm<F>[] {
  const raw = param(request, 'ordering')
  const terms = (raw ?? '')
    .split(',')
    .map((term) => term.trim())
    .filter((term) => term !== '')
    .map((term) => ({ field: term.replace(/^-/, ''), descending: term.startsWith('-') }))
    .filter((term): term is OrderTerm<F> => (allowed as readonly string[]).includes(term.field))
  return terms.length > 0 ? terms : [...fallback]
}

/**
 * Fetches the requested page: the slice for `page`, or for the last page once the count is known.
 *
 * @throws InvalidPage for a page past the last (page 1 of an empty list exists)
 */
export async function fetchPage<T, F extends string>(
  page: PageRequest,
  ordering: readonly OrderTerm<F>[],
  fetch: (slice: Slice<F>) => Promise<Counted<T>>,
): Promise<{ number: number; pages: number; counted: Counted<T> }> {
  const first = page.page === 'last' ? 1 : page.page
  let counted = await fetch({ offset: (first - 1) * page.size, limit: page.size, ordering })
  const pages = Math.max(1, Math.ceil(counted.count / page.size))
  let number = first
  if (page.page === 'last' && pages > 1) {
    number = pages
    counted = await fetch({ offset: (pages - 1) * page.size, limit: page.size, ordering })
  }
  if (number > pages) throw new InvalidPage()
  return { number, pages, counted }
}

/**
 * The page as DRF's `PageNumberPagination.get_paginated_response` answers it, with absolute
 * `next` and `previous` links built from the request (the first page's link has no `page`).
 */
export function pageAnswer<T, R>(
  request: FastifyRequest,
  fetched: { number: number; pages: number; counted: Counted<T> },
  view: (row: T) => R,
): AdminPage<R> {
  const link = (page: number | null): string | null => {
    if (page === null) return null
    const url = new URL(request.url, `${request.protocol}://${request.host}`)
    if (page === 1) url.searchParams.delete('page')
    else url.searchParams.set('page', String(page))
    return url.toString()
  }
  const { number, pages, counted } = fetched
  return {
    count: counted.count,
    next: link(number < pages ? number + 1 : null),
    previous: link(number > 1 ? number - 1 : null),
    results: counted.rows.map(view),
  }
}

/**
 * Reads django-filter style filters: each present parameter through its parser; every bad one is
 * reported together, as a filter set's errors are.
 *
 * @throws ValidationFailed
 */
export function readFilters<T extends Record<string, unknown>>(
  request: FastifyRequest,
  parsers: {
    readonly [K in keyof T]: (raw: string) => { ok: true; value: T[K] } | { ok: false; error: string }
  },
): Partial<T> {
  const values: Partial<T> = {}
  const errors: FieldErrors = {}
  for (const name of Object.keys(parsers) as (keyof T & string)[]) {
    const raw = param(request, name)
    if (raw === undefined || raw === '') continue
    const parsed = parsers[name](raw)
    if (parsed.ok) values[name] = parsed.value
    else errors[name] = [parsed.error]
  }
  if (Object.keys(errors).length > 0) throw new ValidationFailed(errors)
  return values
}

type Parsed<T> = { ok: true; value: T } | { ok: false; error: string }

/** django-filter's `BooleanFilter` choices (`true`/`false`, and Django's `1`/`0`). */
export function booleanFilter(raw: string): Parsed<boolean> {
  if (raw === 'true' || raw === 'True' || raw === '1') return { ok: true, value: true }
  if (raw === 'false' || raw === 'False' || raw === '0') return { ok: true, value: false }
  return { ok: false, error: `Select a valid choice. ${raw} is not one of the available choices.` }
}

/** A user id (`NumberFilter` on a primary key). */
export function idFilter(raw: string): Parsed<number> {
  const value = /^\d{1,15}$/.test(raw) ? Number.parseInt(raw, 10) : Number.NaN
  return Number.isSafeInteger(value) ? { ok: true, value } : { ok: false, error: 'Enter a whole number.' }
}

export function textFilter(raw: string): Parsed<string> {
  return raw.length <= 200
    ? { ok: true, value: raw }
    : { ok: false, error: 'Ensure this value has at most 200 characters.' }
}

export function ipFilter(raw: string): Parsed<string> {
  return isValidIPv46(raw)
    ? { ok: true, value: raw }
    : { ok: false, error: 'Enter a valid IPv4 or IPv6 address.' }
}

/**
 * An ISO 8601 date or date-time (`IsoDateTimeFilter`); without an offset it is UTC (Django's
 * default `TIME_ZONE`), and a date alone is its midnight.
 */
export function dateTimeFilter(raw: string): Parsed<Date> {
  const match = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?(Z|[+-]\d{2}:?\d{2})?)?$/.exec(
    raw,
  )
  const text = raw.replace(' ', 'T')
  const zoned = match === null || match[1] !== undefined || !text.includes('T') ? text : `${text}Z`
  const value = match === null ? undefined : new Date(zoned)
  if (value === undefined || Number.isNaN(value.getTime()))
    return { ok: false, error: 'Enter a valid date/time.' }
  return { ok: true, value }
}

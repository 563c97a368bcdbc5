/**
 * The fetch types in the client's public signatures, without a dependency on the DOM lib. They are
 * resolved in the consumer's program: where it has the platform's `fetch` (the DOM lib, or
 * `@types/node`), they are that fetch's own `Request`/`RequestInit`/`Response`; elsewhere
 * (`lib: ["ES2022"]` alone) they are the minimal shapes below, which is all the client relies on.
 */

/** The part of a response the client reads. */
export interface MinimalResponse {
  readonly ok: boolean
  readonly status: number
  readonly statusText: string
  readonly headers: { get(name: string): string | null }
  json(): Promise<unknown>
  clone(): MinimalResponse
}

/** The request options the client sets. */
export interface MinimalRequestInit {
  method?: string
  headers?: Record<string, string> | [string, string][]
  body?: string | null
  credentials?: 'include' | 'omit' | 'same-origin'
}

/** A fetch that answers {@link MinimalResponse}s: what a platform without fetch types must provide. */
export type MinimalFetch = (input: string, init?: MinimalRequestInit) => Promise<MinimalResponse>

/** The platform's `fetch` where its types exist, else {@link MinimalFetch}. */
export type FetchFunction = typeof globalThis extends { fetch: infer F } ? F : MinimalFetch

/** What the platform's fetch accepts as its first argument (`RequestInfo | URL` in browsers). */
export type FetchInput = FetchFunction extends (input: infer I, init?: infer _Init) => unknown ? I : string

/** The platform's `RequestInit`. */
export type FetchInit = FetchFunction extends (input: infer _Input, init?: infer I) => unknown
  ? NonNullable<I>
  : MinimalRequestInit

/** The platform's `Response`. */
export type FetchResponse = FetchFunction extends (
  input: infer _Input,
  init?: infer _Init,
) => Promise<infer R>
  ? R
  : MinimalResponse

/** What {@link errorFromResponse} reads: any `Response` (DOM, Node, or a fake) has it. */
export interface ErrorResponse {
  readonly status: number
  readonly statusText: string
  readonly headers: { get(name: string): string | null }
  json(): Promise<unknown>
}

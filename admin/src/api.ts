/**
 * The admin API (docs/admin.md) over the client's authenticated fetch: paths are relative to
 * `API_PREFIX`, answers are JSON, failures are `TesseraClientError`s with the server's fields.
 */
import { errorFromResponse, type TesseraClient } from '@tessera/client'
import type { AdminPage } from '@tessera/protocol'

export type Params = Readonly<Record<string, string | number | boolean | undefined>>

export class AdminApi {
  constructor(
    private readonly client: TesseraClient,
    readonly prefix: string,
  ) {}

  /** A path under the API with the non-empty parameters as its query. */
  url(path: string, params: Params = {}): string {
    const query = new URLSearchParams()
    for (const [name, value] of Object.entries(params)) {
      if (value !== undefined && value !== '') query.set(name, String(value))
    }
    const text = query.toString()
    return `${this.prefix}${path}${text === '' ? '' : `?${text}`}`
  }

  async #call(method: string, path: string, body?: unknown, params?: Params): Promise<Response> {
    const init: RequestInit =
      body === undefined
        ? { method }
        : { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }
    const res = await this.client.fetch(this.url(path, params), init)
    if (!res.ok) throw await errorFromResponse(res)
    return res
  }

  async get<T>(path: string, params?: Params): Promise<T> {
    return (await (await this.#call('GET', path, undefined, params)).json()) as T
  }

  list<T>(path: string, params?: Params): Promise<AdminPage<T>> {
    return this.get<AdminPage<T>>(path, params)
  }

  /** POST, PATCH or DELETE; resolves the JSON answer, or undefined for a 204. */
  async send<T = unknown>(method: 'POST' | 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<T> {
    const res = await this.#call(method, path, body ?? (method === 'DELETE' ? undefined : {}))
    return (res.status === 204 ? undefined : await res.json()) as T
  }

  /** A file answer (the audit CSV). */
  async blob(path: string, params?: Params): Promise<Blob> {
    return (await this.#call('GET', path, undefined, params)).blob()
  }
}

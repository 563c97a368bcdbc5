/**
 * Cross-tab coordination. Web Locks make refreshes mutually exclusive across tabs (so two tabs never
 * spend one refresh token at once, which rotation would treat as reuse); BroadcastChannel shares new
 * access tokens and logouts so other tabs adopt them instead of refreshing themselves.
 */

/** Messages on the channel: a new access token (`a`) or a logout. */
export type TabMessage = { t: 'access'; a: string } | { t: 'logout' }

/** The part of the Web Locks API the client uses (`navigator.locks`). */
export interface LockManagerLike {
  request(name: string, callback: () => Promise<unknown>): Promise<unknown>
}

/** An open channel to the other tabs. */
export interface TabLink {
  post(message: TabMessage): void
  close(): void
}

/**
 * Opens `BroadcastChannel(name)` when the platform has one (browsers, Node ≥ 18), else `undefined`.
 *
 * @example
 * ```ts
 * const link = openTabLink('tessera', (m) => console.log(m))
 * link?.post({ t: 'logout' })
 * ```
 */
export function openTabLink(name: string, onMessage: (message: TabMessage) => void): TabLink | undefined {
  if (typeof BroadcastChannel === 'undefined') return undefined
  const channel = new BroadcastChannel(name)
  channel.onmessage = (event: MessageEvent<unknown>) => {
    // Anything on the same origin can post here: accept only well-formed messages.
    const m = event.data as { t?: unknown; a?: unknown } | null
    if (m?.t === 'logout') onMessage({ t: 'logout' })
    else if (m?.t === 'access' && typeof m.a === 'string') onMessage({ t: 'access', a: m.a })
  }
  // In Node an open channel would keep the process alive; a client must not do that.
  ;(channel as { unref?: () => void }).unref?.()
  return { post: (message) => channel.postMessage(message), close: () => channel.close() }
}

/**
 * Runs `task` holding the named Web Lock when `locks` is available, else directly.
 *
 * @example
 * ```ts
 * await withLock(navigator.locks, 'tessera-refresh', () => refreshNow())
 * ```
 */
export function withLock<T>(
  locks: LockManagerLike | undefined,
  name: string,
  task: () => Promise<T>,
): Promise<T> {
  return locks ? (locks.request(name, task) as Promise<T>) : task()
}

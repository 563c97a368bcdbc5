/**
 * Cross-tab coordination. Web Locks make refreshes mutually exclusive across tabs (so two tabs never
 * spend one refresh token at once, which rotation would treat as reuse); BroadcastChannel shares new
 * access tokens and logouts so other tabs adopt them instead of refreshing themselves.
 */

/** Messages on the channel: a new access token (`a`) or a logout. */
export type TabMessage = { t: 'access'; a: string } | { t: 'logout' }

/**
 * The part of the Web Locks API the client uses (`navigator.locks`): `request` with options, whose
 * callback gets `null` when `ifAvailable` is set and another holder has the lock.
 */
export interface LockManagerLike {
  request(
    name: string,
    options: { ifAvailable?: boolean },
    callback: (lock: unknown) => Promise<unknown>,
  ): Promise<unknown>
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

/** What `withLock` tells its task: whether another holder had the lock first. */
export interface LockGrant {
  /** True when the task had to wait for another holder (another tab) to release the lock. */
  waited: boolean
}

/**
 * Runs `task` holding the named Web Lock when `locks` is available, else directly. The task learns
 * whether it waited for another holder: a tab that did knows another tab may just have refreshed,
 * and can wait for that tab's broadcast instead of refreshing again.
 *
 * @example
 * ```ts
 * await withLock(navigator.locks, 'tessera-refresh', ({ waited }) => refreshNow(waited))
 * ```
 */
export async function withLock<T>(
  locks: LockManagerLike | undefined,
  name: string,
  task: (grant: LockGrant) => Promise<T>,
): Promise<T> {
  if (!locks) return task({ waited: false })
  // Try without queueing first: a grant refused means the lock is held right now.
  const busy = Symbol('busy')
  const first = await locks.request(name, { ifAvailable: true }, (lock) =>
    lock === null ? Promise.resolve(busy) : task({ waited: false }),
  )
  if (first !== busy) return first as T
  return (await locks.request(name, {}, () => task({ waited: true }))) as T
}

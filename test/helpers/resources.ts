import { createHook } from 'node:async_hooks'

/** The async resources that keep a process busy or alive: timers, sockets, threads, watchers. */
const HANDLES = new Set([
  'Timeout',
  'Immediate',
  'TCPWRAP',
  'TCPSERVERWRAP',
  'PIPEWRAP',
  'PIPESERVERWRAP',
  'UDPWRAP',
  'WORKER',
  'MESSAGEPORT',
  'FSEVENTWRAP',
  'STATWATCHER',
  'SIGNALWRAP',
  'PROCESSWRAP',
  'ELDHISTOGRAM',
])

export interface ResourceTracker {
  /**
   * The kinds of the handles created since tracking began and not destroyed yet, after giving
   * closing ones up to `waitMs` to finish; `ignore` leaves kinds out. Empty: nothing left running.
   */
  leftAlive(options?: { waitMs?: number; ignore?: readonly string[] }): Promise<string[]>
  stop(): void
}

/**
 * Records the handles created from now on, unref'd timers and threads included (which
 * `process.getActiveResourcesInfo` does not list), until each is destroyed.
 */
export function trackResources(): ResourceTracker {
  const live = new Map<number, string>()
  /** leftAlive's own waits, which are not the code under test's. */
  let waiting = false
  const hook = createHook({
    init(id, type) {
      if (HANDLES.has(type) && !waiting) live.set(id, type)
    },
    destroy(id) {
      live.delete(id)
    },
  })
  hook.enable()
  return {
    async leftAlive({ waitMs = 2000, ignore = [] } = {}) {
      const deadline = Date.now() + waitMs
      for (;;) {
        const alive = [...live.values()].filter((kind) => !ignore.includes(kind))
        if (alive.length === 0 || Date.now() > deadline) return alive.sort()
        waiting = true
        const pause = new Promise<void>((resolve) => setTimeout(resolve, 20))
        waiting = false
        await pause
      }
    },
    stop: () => hook.disable(),
  }
}

/** Injectable time source: tests pass a fixed clock instead of patching globals. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number
}

export const systemClock: Clock = { now: () => Date.now() }

/** A clock that only moves when told to: for tests. */
export class ManualClock implements Clock {
  constructor(private ms: number = Date.now()) {}
  now(): number {
    return this.ms
  }
  advance(seconds: number): void {
    this.ms += seconds * 1000
  }
  set(ms: number): void {
    this.ms = ms
  }
}

export const toEpochSeconds = (ms: number): number => Math.floor(ms / 1000)

const REDACTED = '[redacted]'

/**
 * A value that must never reach a log, an error message or a JSON document. `toString`,
 * `toJSON` and Node's `util.inspect` all print `[redacted]`; only `reveal()` gives the value.
 */
export class Secret<T = string> {
  readonly #value: T
  constructor(value: T) {
    this.#value = value
  }
  reveal(): T {
    return this.#value
  }
  toString(): string {
    return REDACTED
  }
  toJSON(): string {
    return REDACTED
  }
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return REDACTED
  }
}

import { Writable } from 'node:stream'

/** A stream that keeps what a server logs (`buildServer({ logStream })`), for tests that read it. */
export class LogCapture extends Writable {
  text = ''

  override _write(chunk: unknown, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    this.text += String(chunk)
    done()
  }

  /** Each JSON line written so far. */
  lines(): Record<string, unknown>[] {
    return this.text
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as Record<string, unknown>)
  }

  clear(): void {
    this.text = ''
  }
}

import { createServer, type Server } from 'node:net'

/**
 * A loopback server that speaks just enough RESP2 to pass for a Redis of another version: it
 * answers `INFO` with the version it was given, refuses `HELLO` as Redis 5 does (clients fall back
 * to RESP2), answers `PING` and says `OK` to everything else. For checks Tessera makes of the
 * server it connects to.
 */
export class FakeRedis {
  #server: Server | undefined
  /** Every command received, upper-cased name first. */
  readonly commands: string[][] = []

  constructor(private readonly version: string) {}

  async start(): Promise<number> {
    this.#server = createServer((socket) => {
      let buffered = Buffer.alloc(0)
      socket.on('error', () => socket.destroy())
      socket.on('data', (chunk: Buffer) => {
        buffered = Buffer.concat([buffered, chunk])
        for (;;) {
          const parsed = parseCommand(buffered)
          if (parsed === undefined) break
          buffered = buffered.subarray(parsed.length)
          this.commands.push(parsed.args)
          socket.write(this.#answer(parsed.args))
        }
      })
    })
    await new Promise<void>((resolve) => this.#server?.listen(0, '127.0.0.1', resolve))
    const address = this.#server.address()
    return typeof address === 'object' && address !== null ? address.port : 0
  }

  #answer(args: string[]): string {
    const name = (args[0] ?? '').toUpperCase()
    if (name === 'HELLO') return "-ERR unknown command 'HELLO'\r\n"
    if (name === 'PING') return '+PONG\r\n'
    if (name === 'INFO') {
      const info = `# Server\r\nredis_version:${this.version}\r\nredis_mode:standalone\r\nloading:0\r\n`
      return `$${Buffer.byteLength(info)}\r\n${info}\r\n`
    }
    return '+OK\r\n'
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.#server ? this.#server.close(() => resolve()) : resolve()))
  }
}

/** One RESP array of bulk strings from the start of `data`, or undefined when incomplete. */
function parseCommand(data: Buffer): { args: string[]; length: number } | undefined {
  const text = data.toString('latin1')
  let at = 0
  const line = () => {
    const end = text.indexOf('\r\n', at)
    if (end < 0) return undefined
    const value = text.slice(at, end)
    at = end + 2
    return value
  }
  const header = line()
  if (header === undefined || !header.startsWith('*')) return undefined
  const args: string[] = []
  for (let i = 0; i < Number(header.slice(1)); i++) {
    const size = line()
    if (size === undefined) return undefined
    const length = Number(size.slice(1))
    if (text.length < at + length + 2) return undefined
    args.push(text.slice(at, at + length))
    at += length + 2
  }
  return { args, length: at }
}

import { createServer, type Server, type Socket, connect } from 'node:net'

/**
 * A loopback TCP proxy in front of a service (PostgreSQL, Redis) that a test can cut and restore,
 * or freeze and thaw, to see how Tessera behaves while a dependency is unreachable or stops
 * answering, and after it returns.
 */
export class TcpProxy {
  #server: Server | undefined
  readonly #sockets = new Set<Socket>()
  /** While frozen, bytes in either direction wait here, in order, until `thaw()`. */
  #held: (() => void)[] | undefined
  port = 0

  constructor(
    private readonly targetPort: number,
    private readonly targetHost = '127.0.0.1',
  ) {}

  async start(port = 0): Promise<number> {
    this.#server = createServer((client) => {
      const upstream = connect(this.targetPort, this.targetHost)
      for (const socket of [client, upstream]) {
        this.#sockets.add(socket)
        socket.on('close', () => this.#sockets.delete(socket))
        socket.on('error', () => socket.destroy())
      }
      this.#forward(client, upstream)
      this.#forward(upstream, client)
      client.on('close', () => upstream.destroy())
      upstream.on('close', () => client.destroy())
    })
    await new Promise<void>((resolve) => this.#server?.listen(port, '127.0.0.1', resolve))
    const address = this.#server.address()
    this.port = typeof address === 'object' && address !== null ? address.port : port
    return this.port
  }

  #forward(from: Socket, to: Socket): void {
    from.on('data', (chunk: Buffer) => {
      const send = () => {
        if (!to.destroyed) to.write(chunk)
      }
      if (this.#held) this.#held.push(send)
      else send()
    })
  }

  /** Refuses new connections and drops the open ones: the service is "down". */
  async cut(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy()
    await new Promise<void>((resolve) => (this.#server ? this.#server.close(() => resolve()) : resolve()))
    this.#server = undefined
  }

  /** Listens again on the same port: the service is "back". */
  async restore(): Promise<void> {
    await this.start(this.port)
  }

  /**
   * Connections stay open (new ones are accepted) but nothing passes either way: the service
   * "stops answering", as a paused process or a stalled network does.
   */
  freeze(): void {
    this.#held ??= []
  }

  /** Delivers what was held, in order, and forwards again. */
  thaw(): void {
    const held = this.#held ?? []
    this.#held = undefined
    for (const send of held) send()
  }
}

/**
 * A TCP proxy in front of a shared service (Postgres, Redis), so a test can take the service
 * "down" for its own connections without touching the real one: `stop()` refuses new connections
 * and cuts open ones, `freeze()` keeps connections open but passes no bytes (a hung server),
 * `start()` brings it back on the same port.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';

export class TcpProxy {
  readonly #target: { host: string; port: number };
  readonly #sockets = new Set<Socket>();
  #server: Server | null = null;
  #frozen = false;
  port = 0;

  private constructor(target: { host: string; port: number }) {
    this.#target = target;
  }

  static async open(targetPort: number, targetHost = '127.0.0.1'): Promise<TcpProxy> {
    const proxy = new TcpProxy({ host: targetHost, port: targetPort });
    await proxy.start();
    return proxy;
  }

  async start(): Promise<void> {
    this.#frozen = false;
    if (this.#server) return;
    const server = createServer((client) => {
      const upstream = connect(this.#target.port, this.#target.host);
      for (const s of [client, upstream]) {
        this.#sockets.add(s);
        s.on('close', () => this.#sockets.delete(s));
        s.on('error', () => s.destroy());
      }
      client.on('data', (chunk) => { if (!this.#frozen) upstream.write(chunk); });
      upstream.on('data', (chunk) => { if (!this.#frozen) client.write(chunk); });
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    const address = server.address();
    this.port = typeof address === 'object' && address ? address.port : 0;
    this.#server = server;
  }

  /** The service is down: new connections are refused, open ones are cut. */
  async stop(): Promise<void> {
    const server = this.#server;
    this.#server = null;
    for (const s of this.#sockets) s.destroy();
    this.#sockets.clear();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** The service hangs: connections stay open and nothing comes back. */
  freeze(): void {
    this.#frozen = true;
  }
}

import net, { type AddressInfo } from 'node:net';

/**
 * A TCP proxy for tests that need to lose a connection on purpose: it
 * forwards every connection to one target, and `cutAll` destroys every
 * live pair at once, as a network failure or a server restart would.
 * New connections keep being accepted, so a client can reconnect.
 */
export class TcpProxy {
  /** Connections accepted since the proxy started. */
  accepted = 0;
  private readonly pairs = new Set<[net.Socket, net.Socket]>();

  private constructor(
    private readonly server: net.Server,
    readonly port: number,
  ) {}

  /** Listens on a free port of 127.0.0.1, forwarding to `target`. */
  static async start(target: { host: string; port: number }) {
    const proxy: { current?: TcpProxy } = {};
    const server = net.createServer((client) =>
      proxy.current?.forward(client, target),
    );
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject).listen(0, '127.0.0.1', resolve);
    });
    const { port } = server.address() as AddressInfo;
    proxy.current = new TcpProxy(server, port);
    return proxy.current;
  }

  /** `url` with its host and port replaced by the proxy's. */
  urlFor(url: string): string {
    const proxied = new URL(url);
    proxied.hostname = '127.0.0.1';
    proxied.port = String(this.port);
    return proxied.toString();
  }

  /** Destroys every live connection; answers how many there were. */
  cutAll(): number {
    const cut = this.pairs.size;
    for (const [client, upstream] of this.pairs) {
      client.destroy();
      upstream.destroy();
    }
    this.pairs.clear();
    return cut;
  }

  async close(): Promise<void> {
    this.cutAll();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private forward(
    client: net.Socket,
    target: { host: string; port: number },
  ): void {
    this.accepted += 1;
    const upstream = net.connect(target.port, target.host);
    const pair: [net.Socket, net.Socket] = [client, upstream];
    this.pairs.add(pair);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      this.pairs.delete(pair);
    };
    // Either side failing or closing takes the other down with it.
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    client.pipe(upstream);
    upstream.pipe(client);
  }
}

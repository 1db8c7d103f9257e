/**
 * Transport: how a VesperClient reaches a ProxyNode. In-process it is a direct call; the
 * worker package forwards over comlink and the edge over HTTP, each carrying (method,
 * request) and returning the response or a VesperError rebuilt from its JSON.
 */
import type { ProxyNode } from '../proxy/proxy-node.ts';

export interface Transport {
  call(method: string, request: unknown): Promise<unknown>;
  close?(): Promise<void>;
}

export class LocalTransport implements Transport {
  constructor(readonly proxy: ProxyNode) {}

  call(method: string, request: unknown): Promise<unknown> {
    return this.proxy.handle(method, request);
  }

  close(): Promise<void> {
    return this.proxy.close();
  }
}

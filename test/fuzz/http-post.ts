/**
 * One POST on a connection of its own (node:http without an agent: `Connection: close`),
 * for clients of the local dev stack. workerd's HTTP server closes a kept-alive connection
 * a fixed time after its last answer (kj's pipeline timeout, 5 s) unless the next request on
 * it has arrived by then; a multi-MB upload on a reused connection, or any request while the
 * runtime's thread is stalled, races that close and is reset (EPIPE, "other side closed").
 * A fresh connection per request has no such race (docs/HARDENING.md "Fuzzing").
 */
import { request } from 'node:http';

export interface PostAnswer {
  readonly status: number;
  readonly text: string;
  readonly headers: Headers;
}

export function postOnce(url: string, headers: Readonly<Record<string, string>>, body: string | Uint8Array, timeoutMs: number): Promise<PostAnswer> {
  return new Promise((resolve, reject) => {
    const signal = AbortSignal.timeout(timeoutMs);
    const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
    const req = request(url, { method: 'POST', agent: false, headers: { ...headers, 'Content-Length': String(bytes.byteLength) }, signal }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const headers = new Headers();
        for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) headers.set(k, Array.isArray(v) ? v.join(', ') : v);
        resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8'), headers });
      });
      res.on('error', (e) => reject(signal.aborted ? (signal.reason as Error) : e));
    });
    // past the timeout: the TimeoutError itself, as fetch would reject
    req.on('error', (e) => reject(signal.aborted ? (signal.reason as Error) : e));
    req.end(bytes);
  });
}

/**
 * One REST v2 call as root against a running endpoint (test/edge/worker-harness.ts), asserting
 * code 0 and answering `data`. `where` goes into the failure message (a seed, a step).
 */
import { expect } from 'vitest';

const AUTH = { Authorization: 'Bearer root:Milvus', 'Content-Type': 'application/json' };

export async function restOk(endpoint: string, path: string, body: unknown, where = ''): Promise<unknown> {
  const res = await fetch(`${endpoint}/v2/vectordb/${path}`, { method: 'POST', headers: AUTH, body: JSON.stringify(body) });
  const reply = (await res.json()) as { code: number; message?: string; data?: unknown };
  expect(reply.code, `${path}: ${reply.message}${where ? ` (${where})` : ''}`).toBe(0);
  return reply.data;
}

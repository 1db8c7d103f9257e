/**
 * Collection and index properties with a meaning, validated as Milvus does (1100 on a bad
 * value). `collection.ttl.seconds` is a non-negative integer number of seconds. `mmap.enabled`
 * is "true" or "false"; Vesper keeps every segment in memory (or its storage adapter decides),
 * so it is a documented no-op, stored and shown by describe. Other collection properties are
 * stored as given (Milvus's own keys and applications' keys alike); index properties are only
 * the alterable ones.
 */
import { VesperError } from '../errors/index.ts';
import { TTL_KEY } from '../segments/expiry.ts';
import { showValue } from '../util/show-value.ts';

export { TTL_KEY };
export const MMAP_KEY = 'mmap.enabled';

/** Index properties that alterIndexProperties / dropIndexProperties accept (Milvus: mmap only). */
export const INDEX_KEYS: ReadonlySet<string> = new Set([MMAP_KEY]);

function checkMmap(value: string, where: string): void {
  if (!/^(true|false)$/i.test(value.trim())) {
    throw new VesperError('PARAMETER_INVALID', `invalid ${MMAP_KEY} value ${showValue(value)} for ${where}: use true or false`);
  }
}

/** Checks the properties of a collection (create, alter). @throws PARAMETER_INVALID (1100) */
export function checkCollectionProperties(props: Readonly<Record<string, string>>, collection: string): void {
  const ttl = props[TTL_KEY];
  if (ttl !== undefined && (!/^\d+$/.test(ttl.trim()) || !Number.isSafeInteger(Number(ttl)))) {
    throw new VesperError('PARAMETER_INVALID', `collection TTL is not a valid positive integer: ${TTL_KEY}=${showValue(ttl)} for collection ${collection}`);
  }
  const mmap = props[MMAP_KEY];
  if (mmap !== undefined) checkMmap(mmap, `collection ${collection}`);
}

/** Checks index properties to set (values) or to drop (keys only). @throws PARAMETER_INVALID (1100) */
export function checkIndexProperties(keys: readonly string[], values: Readonly<Record<string, string>> | undefined, index: string): void {
  for (const k of keys) {
    if (!INDEX_KEYS.has(k)) {
      throw new VesperError('PARAMETER_INVALID', `${showValue(k)} is not an alterable index property of index ${index}: alterable keys are [${[...INDEX_KEYS].join(', ')}]`);
    }
  }
  const mmap = values?.[MMAP_KEY];
  if (mmap !== undefined) checkMmap(mmap, `index ${index}`);
}

/**
 * How object keys map to OPFS paths, injectively and safely. A key "a/b/c" becomes the
 * directories "a", "b" and the file "c.o": every key segment is percent-encoded (UTF-8)
 * except A-Z a-z 0-9 _ -, so an encoded segment never contains '.', and the '.o' suffix
 * keeps the file "a" (key "a") apart from the directory "a" (keys "a/…"). Temp files are
 * "<segment>.t.<random>": they contain '.', but never end in '.o', so no listing or lookup
 * can mistake one for an object.
 */

const SAFE = /^[A-Za-z0-9_-]$/;
const OBJECT_SUFFIX = '.o';
const TEMP_MARK = '.t.';

/** The encoded file-system name of one key segment (no '.', no '/', never empty). */
export function encodeSegment(segment: string): string {
  let out = '';
  for (const ch of segment) {
    if (SAFE.test(ch)) {
      out += ch;
    } else {
      for (const byte of new TextEncoder().encode(ch)) out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
    }
  }
  return out;
}

export function decodeSegment(name: string): string {
  return decodeURIComponent(name);
}

/** Directory names and the file name for a (valid) object key. */
export function keyToPath(key: string): { dirs: string[]; file: string } {
  const segments = key.split('/').map(encodeSegment);
  const last = segments.pop()!;
  return { dirs: segments, file: last + OBJECT_SUFFIX };
}

/** The segment an object file name stands for, or undefined for temp and foreign files. */
export function objectSegmentOf(fileName: string): string | undefined {
  if (!fileName.endsWith(OBJECT_SUFFIX)) return undefined;
  const encoded = fileName.slice(0, -OBJECT_SUFFIX.length);
  return encoded.includes('.') ? undefined : decodeSegment(encoded);
}

/** A fresh temp file name beside the object file `file`. */
export function tempNameFor(file: string): string {
  const rand = Math.floor(Math.random() * 0x100000000).toString(36);
  return `${file.slice(0, -OBJECT_SUFFIX.length)}${TEMP_MARK}${Date.now().toString(36)}${rand}`;
}

export function isTempName(fileName: string): boolean {
  return fileName.includes(TEMP_MARK);
}

/**
 * How an error message quotes a value the caller sent. Request values may hold `bigint`
 * (Int64 from the client, integers beyond 2^53 from REST bodies) and be arbitrarily large;
 * `JSON.stringify` throws on the first and repeats the second whole. This never throws:
 * a bigint is written as its digits, anything else JSON cannot encode by its type, and the
 * text is cut at `max` characters.
 */
export function showValue(value: unknown, max = 120): string {
  let text: string;
  try {
    text = JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v)) ?? String(value);
  } catch {
    // cycles and exotic objects: name the type rather than fail while reporting a failure
    text = `[${Object.prototype.toString.call(value).slice(8, -1)}]`;
  }
  return text.length <= max ? text : `${text.slice(0, max)}... (${text.length} characters)`;
}

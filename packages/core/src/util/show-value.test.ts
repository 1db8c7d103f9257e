import { describe, expect, it } from 'vitest';
import { showValue } from './show-value.ts';

describe('showValue', () => {
  it('quotes what JSON.stringify cannot: bigint anywhere, cycles, undefined', () => {
    expect(showValue(12345678901234567890n)).toBe('"12345678901234567890n"');
    expect(showValue({ keys: [1n, 'a'] })).toBe('{"keys":["1n","a"]}');
    const cyc: Record<string, unknown> = {};
    cyc['self'] = cyc;
    expect(showValue(cyc)).toBe('[Object]');
    expect(showValue(undefined)).toBe('undefined');
    expect(showValue('x')).toBe('"x"');
  });

  it('cuts long values and says how long they were', () => {
    const s = showValue('a'.repeat(1000), 20);
    expect(s.startsWith('"aaaaaaaaaaaaaaaaaaa... (1002 characters)')).toBe(true);
  });
});

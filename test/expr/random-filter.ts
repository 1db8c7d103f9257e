/**
 * Seeded generator of well-formed filters over testSchema(): every leaf kind (comparisons in
 * both orientations, ranges, in / not in, arithmetic, like, is null, exists, JSON paths,
 * contains, array_length, field-vs-field), every spelling (&&/and/AND, hex/octal/binary,
 * True/TRUE, single/double quotes) and template parameters, combined with and/or/not.
 */
import type { Random } from '../../packages/core/src/util/random.ts';
import { randInt64, WORDS } from './random-data.ts';

export interface GeneratedFilter {
  expr: string;
  params: Record<string, unknown>;
}

class Gen {
  params: Record<string, unknown> = {};
  private n = 0;
  constructor(private readonly r: Random) {}

  private tmpl(v: unknown, text: string): string {
    if (!this.r.bool(0.15)) return text;
    const name = `p${this.n++}`;
    this.params[name] = v;
    return `{${name}}`;
  }

  int(lo = -6, hi = 6): string {
    const r = this.r;
    const v = r.range(lo, hi);
    const spell = r.int(8);
    let text = String(v);
    if (v >= 0 && spell === 0) text = `0x${v.toString(16)}`;
    else if (v > 0 && spell === 1) text = `0${v.toString(8)}`;
    else if (v >= 0 && spell === 2) text = `0b${v.toString(2)}`;
    else if (spell === 3) text = `(${v - 1} + 1)`;
    return this.tmpl(r.bool() ? v : BigInt(v), text);
  }
  big(): string {
    const v = BigInt.asIntN(64, randInt64(this.r));
    return this.tmpl(v, String(v));
  }
  float(): string {
    const v = this.r.pick([0.5, 1.5, -2.25, 0.1, 3.3, 2.5, -0.5, 1e20, 9007199254740993]);
    return this.tmpl(v, this.r.bool(0.2) ? v.toExponential() : Number.isInteger(v) ? `${String(v)}.0` : String(v));
  }
  num(): string {
    return this.r.bool(0.7) ? this.int() : this.float();
  }
  str(): string {
    const w = this.r.pick(WORDS);
    const q = this.r.bool() ? '"' : "'";
    const body = Array.from(w)
      .map((ch) => (ch === '\\' ? '\\\\' : ch === q ? `\\${q}` : ch === '%' || ch === '_' ? ch : this.r.bool(0.05) && ch.charCodeAt(0) < 128 ? `\\x${ch.charCodeAt(0).toString(16).padStart(2, '0')}` : ch))
      .join('');
    return this.tmpl(w, `${q}${body}${q}`);
  }
  bool(): string {
    const v = this.r.bool();
    return this.tmpl(v, this.r.pick(v ? ['true', 'True', 'TRUE'] : ['false', 'False', 'FALSE']));
  }
  list(item: () => string, max = 4): string {
    const items = Array.from({ length: this.r.int(max + 1) }, item);
    return `[${items.join(', ')}${items.length > 0 && this.r.bool(0.1) ? ',' : ''}]`;
  }
  kw(w: string): string {
    return this.r.bool(0.2) ? w.toUpperCase() : w;
  }
  op(): string {
    return this.r.pick(['==', '!=', '<', '<=', '>', '>=']);
  }

  cmp(col: string, c: () => string, ops = ['==', '!=', '<', '<=', '>', '>=']): string {
    const op = this.r.pick(ops);
    if (this.r.bool(0.25)) {
      const flip: Record<string, string> = { '==': '==', '!=': '!=', '<': '>', '<=': '>=', '>': '<', '>=': '<=' };
      return `${c()} ${flip[op]} ${col}`;
    }
    return `${col} ${op} ${c()}`;
  }
  range(col: string, c: () => string): string {
    const lo = this.r.pick(['<', '<=']);
    const hi = this.r.pick(['<', '<=']);
    if (this.r.bool()) return `${c()} ${lo} ${col} ${hi} ${c()}`;
    const g: Record<string, string> = { '<': '>', '<=': '>=' };
    return `${c()} ${g[lo]} ${col} ${g[hi]} ${c()}`;
  }
  inList(col: string, c: () => string): string {
    const neg = this.r.bool(0.3);
    return `${col} ${neg ? `${this.kw('not')} ${this.kw('in')}` : this.kw('in')} ${this.list(c)}`;
  }
  numeric(col: string, c: () => string, isInt: boolean): string {
    switch (this.r.int(isInt ? 5 : 4)) {
      case 0:
        return this.range(col, c);
      case 1:
        return this.inList(col, c);
      case 2: {
        const op = this.r.pick(['+', '-', '*', '/']);
        const k = isInt ? this.r.pick(['1', '2', '3', '-2', '7']) : this.r.pick(['2', '0.5', '1.5', '-3']);
        return this.cmp(`${col} ${op} ${k}`, c);
      }
      case 4:
        return `${col} % ${this.r.pick(['2', '3', '5', '-4'])} ${this.r.pick(['==', '!='])} ${this.r.range(-2, 2)}`;
      default:
        return this.cmp(col, c);
    }
  }

  leaf(): string {
    const r = this.r;
    switch (r.int(24)) {
      case 0:
        return this.numeric('i8', () => this.num(), true);
      case 1:
        return this.numeric('i16', () => this.num(), true);
      case 2:
        return this.numeric('i32', () => this.num(), true);
      case 3:
        return this.numeric('i64', () => (r.bool(0.3) ? this.big() : this.num()), true);
      case 4:
        return this.numeric('f', () => this.float(), false);
      case 5:
        return this.numeric('d', () => this.num(), false);
      case 6: {
        const k = r.int(4);
        if (k === 0) return this.inList('s', () => this.str());
        if (k === 1) return `s ${this.kw('like')} ${this.likePattern()}`;
        if (k === 2) return this.range('s', () => this.str());
        return this.cmp('s', () => this.str());
      }
      case 7:
        return r.bool(0.7) ? this.cmp('b', () => this.bool(), ['==', '!=']) : this.inList('b', () => this.bool());
      case 8: {
        const path = r.pick(['j["a"]', 'j["c"]["a"]', "j['arr'][0]", 'j["c"]["c"]["a"]', 'j[0]']);
        return r.bool(0.2) ? this.numeric(path, () => this.num(), false) : r.bool() ? this.cmp(path, () => this.num()) : this.inList(path, () => (r.bool() ? this.num() : this.str()));
      }
      case 9: {
        const path = r.pick(['j["b"]', 'j["c"]["b"]', 'j["flag"]']);
        if (path === 'j["flag"]') return this.cmp(path, () => this.bool(), ['==', '!=']);
        return r.bool() ? `${path} ${this.kw('like')} ${this.likePattern()}` : this.cmp(path, () => this.str());
      }
      case 10:
        return `${this.kw('exists')} ${r.pick(['j["a"]', 'j["c"]', 'j["n"]', 'j["c"]["arr"]', 'nested["deep"]["z"]', '$meta["tags"]'])}`;
      case 11:
        return `${r.pick(['i16', 'i64', 's', 'b', 'j', 'ai', 'j["a"]', 'j["n"]', 'age', 'j["c"]["a"]'])} ${this.kw('is')} ${r.bool() ? `${this.kw('not')} ` : ''}${this.kw('null')}`;
      case 12: {
        const fn = r.pick(['json_contains', 'array_contains']);
        return `${r.bool(0.2) ? fn.toUpperCase() : fn}(${r.pick(['j["arr"]', 'tags', '$meta["tags"]'])}, ${r.bool() ? this.int(0, 4) : this.str()})`;
      }
      case 13: {
        const fn = r.pick(['json_contains_all', 'json_contains_any', 'array_contains_all', 'array_contains_any']);
        return `${fn}(${r.pick(['j["arr"]', 'tags'])}, ${this.list(() => (r.bool() ? this.int(0, 4) : this.str()), 3)})`;
      }
      case 14: {
        const fn = r.pick(['array_contains', 'json_contains']);
        return `${fn}(ai, ${this.int(0, 6)})`;
      }
      case 15: {
        const fn = r.pick(['array_contains_all', 'array_contains_any', 'json_contains_any']);
        return r.bool() ? `${fn}(ai, ${this.list(() => this.int(0, 6), 3)})` : `${fn}(as, ${this.list(() => this.str(), 3)})`;
      }
      case 16: {
        const col = r.pick(['array_length(ai)', 'array_length(as)', 'array_length(j["arr"])', 'array_length(tags)', 'ARRAY_LENGTH(ad)']);
        return r.bool(0.8) ? this.cmp(col, () => this.int(0, 4)) : this.inList(col, () => this.int(0, 4));
      }
      case 17: {
        const col = r.pick(['ai[0]', 'ai[1]', 'ad[0]']);
        return this.numeric(col, () => this.num(), col.startsWith('ai'));
      }
      case 18:
        return r.bool() ? `as[0] ${this.kw('like')} ${this.likePattern()}` : this.cmp('as[1]', () => this.str());
      case 19: {
        const [a, b] = r.pick([['i8', 'i32'], ['i64', 'i16'], ['f', 'd'], ['i32', 'd'], ['s', 's'], ['b', 'b'], ['id', 'i64']]);
        return `${a} ${a === 'b' ? r.pick(['==', '!=']) : this.op()} ${b}`;
      }
      case 20: {
        const col = r.pick(['age', '$meta["age"]', 'nested["k"]']);
        return r.bool(0.3) ? this.numeric(col, () => this.int(0, 60), true) : this.cmp(col, () => this.int(0, 60));
      }
      case 21:
        return r.bool() ? this.inList(r.pick(['city', '$meta["city"]']), () => this.str()) : `city ${this.kw('like')} ${this.likePattern()}`;
      case 22:
        return r.bool() ? this.inList('id', () => this.int(-100, 100)) : this.cmp('id', () => this.int(-100, 100));
      default:
        return this.cmp(r.pick(['nested["deep"]["z"]', 'j["c"]["b"]']), () => this.str());
    }
  }

  likePattern(): string {
    const r = this.r;
    const base = r.pick(WORDS.filter((w) => !w.includes('\\'))).replace(/%/g, '\\\\%').replace(/_/g, '\\\\_');
    const shapes = [`${base}%`, `%${base}`, `%${base}%`, base, `${base.slice(0, 1)}_%`, `_${base.slice(1)}`, '%', '_', '%a%b%', 'a_c', '%_%', `${base}\\\\%`];
    const p = r.pick(shapes);
    return r.bool() ? `"${p}"` : `'${p}'`;
  }

  filter(depth: number): string {
    const r = this.r;
    if (depth <= 0 || r.bool(0.35)) return this.leaf();
    switch (r.int(4)) {
      case 0:
        return `${r.pick(['not ', 'NOT ', '!'])}(${this.filter(depth - 1)})`;
      case 1:
        return `(${this.filter(depth - 1)})`;
      default: {
        const op = r.pick(['and', 'or', '&&', '||', 'AND', 'OR']);
        const k = r.range(2, 3);
        return Array.from({ length: k }, () => this.filter(depth - 1)).join(` ${op} `);
      }
    }
  }
}

export function randomFilter(r: Random, depth = 3): GeneratedFilter {
  const g = new Gen(r);
  const expr = g.filter(depth);
  return { expr, params: g.params };
}

/**
 * Structural checks of a serialized HNSW graph before it is copied into WASM memory. The
 * search kernels trust adjacency lists (no bounds checks in the hot loop), so a file whose
 * sections have the wrong length, whose neighbour counts exceed a level's capacity or whose
 * neighbour ids point past the last row must fail at open with FORMAT_CORRUPT — never open
 * and answer wrongly or read another block of the arena.
 */
import { VesperError } from '../errors/index.ts';
import { sectionLength } from './index-format.ts';

export interface GraphSections {
  readonly count: number;
  readonly M: number;
  /** Bytes per node in level 0: a u32 neighbour count, 2·M neighbour ids, then the payload. */
  readonly stride0: number;
  readonly level0: Uint8Array;
  readonly levels: Uint8Array;
  readonly upper: Uint8Array;
  readonly entry: unknown;
  readonly maxLevel: unknown;
}

/** @throws FORMAT_CORRUPT naming the first inconsistency found. */
export function checkGraph(g: GraphSections): void {
  checkUpperLevels(g);
  sectionLength('level0', g.level0, g.count * g.stride0);
  const l0 = new DataView(g.level0.buffer, g.level0.byteOffset, g.level0.byteLength);
  for (let i = 0; i < g.count; i++) checkList(l0, i * g.stride0, 2 * g.M, g.count, `row ${i} level 0`);
}

/**
 * The checks of everything but level 0: the level table, the upper lists and the entry point —
 * what sizes the arena an open allocates, so an open by range makes them before it allocates.
 * @throws FORMAT_CORRUPT naming the first inconsistency found.
 */
export function checkUpperLevels(g: Omit<GraphSections, 'level0' | 'stride0'>): void {
  const { count, M } = g;
  sectionLength('levels', g.levels, count);
  let upperBytes = 0;
  let top = 0;
  for (let i = 0; i < count; i++) {
    const l = g.levels[i]!;
    upperBytes += l * (M + 1) * 4;
    if (l > top) top = l;
  }
  sectionLength('upper', g.upper, upperBytes);
  if (count > 0) {
    if (!Number.isInteger(g.entry) || (g.entry as number) < 0 || (g.entry as number) >= count) corrupt(`entry point ${String(g.entry)} is not a row of ${count}`);
    if (g.maxLevel !== top || g.levels[g.entry as number] !== top) corrupt(`max level ${String(g.maxLevel)} disagrees with the level table (top ${top})`);
  }
  const up = new DataView(g.upper.buffer, g.upper.byteOffset, g.upper.byteLength);
  let off = 0;
  for (let i = 0; i < count; i++) {
    for (let l = 1; l <= g.levels[i]!; l++, off += (M + 1) * 4) checkList(up, off, M, count, `row ${i} level ${l}`);
  }
}

function checkList(dv: DataView, at: number, cap: number, count: number, where: string): void {
  const n = dv.getUint32(at, true);
  if (n > cap) corrupt(`${where} lists ${n} neighbours, at most ${cap} fit`);
  for (let j = 0; j < n; j++) {
    const id = dv.getUint32(at + 4 + j * 4, true);
    if (id >= count) corrupt(`${where} links to row ${id}, past the last row (${count - 1})`);
  }
}

function corrupt(message: string): never {
  throw new VesperError('FORMAT_CORRUPT', `HNSW index file: ${message}`);
}

/**
 * Analyzers shared by their parameters: building one loads stemmers and stop lists (async),
 * analyzing is sync. `analyzerFor` builds once per distinct `analyzer_params`; `readyAnalyzer`
 * hands out one already built, for sync code (filter compilation) that runs after an entry
 * point has warmed the collection's analyzers (`warmAnalyzers`).
 */
import { VesperError } from '../errors/index.ts';
import { createAnalyzer, type Analyzer } from './analyzer.ts';

const building = new Map<string, Promise<Analyzer>>();
const ready = new Map<string, Analyzer>();

const keyOf = (params: unknown): string => JSON.stringify(params ?? {});

/** The analyzer of `analyzer_params` (absent: standard), built once. */
export function analyzerFor(field: { readonly analyzer_params?: unknown }): Promise<Analyzer> {
  const key = keyOf(field.analyzer_params);
  let a = building.get(key);
  if (!a) {
    a = createAnalyzer(field.analyzer_params ?? {}).then((x) => {
      ready.set(key, x);
      return x;
    });
    // a refused configuration is not cached, so the next use reports it again
    a.catch(() => building.delete(key));
    building.set(key, a);
  }
  return a;
}

/** Builds the analyzers of every `enable_analyzer` field of a schema. */
export async function warmAnalyzers(schema: { readonly fields: readonly { readonly enable_analyzer?: boolean; readonly analyzer_params?: unknown }[] }): Promise<void> {
  for (const f of schema.fields) if (f.enable_analyzer === true) await analyzerFor(f);
}

/**
 * The built analyzer of a field.
 * @throws INTERNAL when it was not warmed first (a missing `warmAnalyzers` on some path).
 */
export function readyAnalyzer(field: { readonly name: string; readonly analyzer_params?: unknown }): Analyzer {
  const a = ready.get(keyOf(field.analyzer_params));
  if (!a) throw new VesperError('INTERNAL', `the analyzer of field ${field.name} is not loaded`);
  return a;
}

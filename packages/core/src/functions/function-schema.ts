/**
 * Milvus's collection functions, as declared at create: `{ name, type, input_field_names,
 * output_field_names, params }`. Vesper runs BM25 (VarChar text → SparseFloatVector of term
 * frequencies); any other type is refused with a code naming it, never stored and ignored.
 *
 * Rules (Milvus's proxy checks for BM25): a unique function name; exactly one input, a VarChar
 * field with `enable_analyzer`; exactly one output, a SparseFloatVector field that is not the
 * primary or partition key, not nullable and not the output of another function; no params.
 */
import { VesperError } from '../errors/index.ts';
import { DataType } from '../schema/data-type.ts';
import type { FieldSchema, FunctionSchema } from '../schema/types.ts';
import { showValue } from '../util/show-value.ts';

export interface FunctionInput {
  name?: unknown;
  description?: unknown;
  /** 'BM25' or the SDK's FunctionType enum value (BM25 = 1). */
  type?: unknown;
  input_field_names?: unknown;
  output_field_names?: unknown;
  params?: unknown;
}

/** Milvus's FunctionType enum: Unknown 0, BM25 1, TextEmbedding 2, Rerank 3. */
const TYPE_NAMES: Readonly<Record<string, string>> = { '0': 'Unknown', '1': 'BM25', '2': 'TextEmbedding', '3': 'Rerank' };

const bad = (msg: string): VesperError => new VesperError('PARAMETER_INVALID', msg);

function typeName(type: unknown): string {
  if (typeof type === 'number' && Object.hasOwn(TYPE_NAMES, String(type))) return TYPE_NAMES[String(type)]!;
  if (typeof type === 'string') return /^bm25$/i.test(type) ? 'BM25' : type;
  throw bad(`function type must be a name or FunctionType value, got ${showValue(type)}`);
}

function names(v: unknown, what: string, fn: string): string[] {
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) {
    throw bad(`function ${fn}: ${what} must be a list of field names, got ${showValue(v)}`);
  }
  return v as string[];
}

/**
 * Checks the declared functions against the fields and returns them normalized, with the
 * fields they write marked `is_function_output`.
 * @throws PARAMETER_INVALID (1100) naming the rule broken.
 */
export function normalizeFunctions(
  input: unknown,
  fields: readonly FieldSchema[],
): { functions: FunctionSchema[]; fields: FieldSchema[] } {
  if (input === undefined || input === null) return { functions: [], fields: [...fields] };
  if (!Array.isArray(input)) throw bad(`functions must be a list, got ${showValue(input)}`);
  const byName = new Map(fields.map((f) => [f.name, f]));
  const seen = new Set<string>();
  const outputs = new Set<string>();
  const functions: FunctionSchema[] = [];
  for (const raw of input as unknown[]) {
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw bad(`a function must be an object, got ${showValue(raw)}`);
    const f = raw as FunctionInput;
    for (const k of Object.keys(f)) {
      if (!['name', 'description', 'type', 'input_field_names', 'output_field_names', 'params'].includes(k)) {
        throw bad(`unknown function option ${k}`);
      }
    }
    if (typeof f.name !== 'string' || f.name === '') throw bad('function name should not be empty');
    const name = f.name;
    if (seen.has(name)) throw bad(`duplicate function name: ${name}`);
    seen.add(name);
    const type = typeName(f.type);
    if (type !== 'BM25') throw bad(`function ${name}: function type ${type} is not supported; Vesper runs BM25 functions only`);
    const ins = names(f.input_field_names, 'input_field_names', name);
    const outs = names(f.output_field_names, 'output_field_names', name);
    if (ins.length !== 1) throw bad(`BM25 function ${name} needs exactly one input field, got ${ins.length}`);
    if (outs.length !== 1) throw bad(`BM25 function ${name} needs exactly one output field, got ${outs.length}`);
    const input = byName.get(ins[0]!);
    if (!input) throw bad(`function ${name}: input field ${ins[0]} not found in the schema`);
    if (input.data_type !== DataType.VarChar) throw bad(`BM25 function ${name}: input field ${input.name} must be VarChar`);
    if (input.enable_analyzer !== true) throw bad(`BM25 function ${name}: input field ${input.name} must set enable_analyzer to true`);
    const output = byName.get(outs[0]!);
    if (!output) throw bad(`function ${name}: output field ${outs[0]} not found in the schema`);
    if (output.data_type !== DataType.SparseFloatVector) throw bad(`BM25 function ${name}: output field ${output.name} must be SparseFloatVector`);
    if (output.is_primary_key || output.is_partition_key || output.nullable) {
      throw bad(`BM25 function ${name}: output field ${output.name} cannot be a primary key, partition key or nullable`);
    }
    if (output.name === input.name) throw bad(`function ${name}: a field cannot be both input and output`);
    if (outputs.has(output.name)) throw bad(`field ${output.name} is the output of more than one function`);
    outputs.add(output.name);
    const params = f.params ?? {};
    if (typeof params !== 'object' || params === null || Array.isArray(params)) throw bad(`function ${name}: params must be an object`);
    const keys = Object.keys(params);
    if (keys.length > 0) throw bad(`BM25 function ${name}: unknown param ${keys[0]}; a BM25 function takes none (k1 and b are index params)`);
    const description = f.description ?? '';
    if (typeof description !== 'string') throw bad(`function ${name}: description must be a string`);
    functions.push({ name, description, type: 'BM25', input_field_names: [input.name], output_field_names: [output.name], params: {} });
  }
  return { functions, fields: fields.map((f) => (outputs.has(f.name) ? { ...f, is_function_output: true } : f)) };
}

/** The BM25 function writing `field`, if any. */
export function bm25FunctionOf(functions: readonly FunctionSchema[] | undefined, field: string): FunctionSchema | undefined {
  return functions?.find((f) => f.type === 'BM25' && f.output_field_names[0] === field);
}

/**
 * Milvus's data types with Milvus's numeric values (schema.proto), and the predicates the
 * rest of the engine asks of them. Names are accepted in either form the Milvus SDKs use
 * (`DataType.Int64` = 5 or the string 'Int64').
 */
import { VesperError } from '../errors/index.ts';
import { showValue } from '../util/show-value.ts';

export enum DataType {
  None = 0,
  Bool = 1,
  Int8 = 2,
  Int16 = 3,
  Int32 = 4,
  Int64 = 5,
  Float = 10,
  Double = 11,
  VarChar = 21,
  Array = 22,
  JSON = 23,
  BinaryVector = 100,
  FloatVector = 101,
  Float16Vector = 102,
  BFloat16Vector = 103,
  SparseFloatVector = 104,
  Int8Vector = 105,
}

const byName = new Map<string, DataType>();
for (const [name, value] of Object.entries(DataType)) {
  if (typeof value === 'number') byName.set(name.toLowerCase(), value);
}
byName.set('string', DataType.VarChar);

/** Accepts a DataType number or a (case-insensitive) name such as 'Int64' or 'FloatVector'. */
export function parseDataType(value: unknown, what = 'data_type'): DataType {
  if (typeof value === 'number' && DataType[value] !== undefined && value !== DataType.None) return value as DataType;
  if (typeof value === 'string') {
    const t = byName.get(value.toLowerCase());
    if (t !== undefined && t !== DataType.None) return t;
  }
  throw new VesperError('PARAMETER_INVALID', `${what}: unknown data type ${showValue(value)}`);
}

export function dataTypeName(t: DataType): string {
  return DataType[t] ?? `DataType(${t})`;
}

export function isVectorType(t: DataType): boolean {
  return t >= DataType.BinaryVector && t <= DataType.Int8Vector;
}

/** Vector types whose rows are `dim` numbers (all but sparse). */
export function isDenseVectorType(t: DataType): boolean {
  return isVectorType(t) && t !== DataType.SparseFloatVector;
}

export function isIntegerType(t: DataType): boolean {
  return t === DataType.Int8 || t === DataType.Int16 || t === DataType.Int32 || t === DataType.Int64;
}

export function isFloatType(t: DataType): boolean {
  return t === DataType.Float || t === DataType.Double;
}

export function isNumericType(t: DataType): boolean {
  return isIntegerType(t) || isFloatType(t);
}

export function isScalarType(t: DataType): boolean {
  return !isVectorType(t) && t !== DataType.None;
}

/** Inclusive integer range of each integer type, as bigints (Int64 is exact). */
export const INT_RANGE: Readonly<Partial<Record<DataType, readonly [bigint, bigint]>>> = {
  [DataType.Int8]: [-128n, 127n],
  [DataType.Int16]: [-32768n, 32767n],
  [DataType.Int32]: [-2147483648n, 2147483647n],
  [DataType.Int64]: [-9223372036854775808n, 9223372036854775807n],
};


/**
 * Float16 exports exchange half-precision tensors. onnxruntime-common turns every float16 tensor's
 * data into a Float16Array when the runtime has one (Node 24 does), but the onnxruntime-node 1.30
 * binding rejects Float16Array inputs ("must be a typed array (4 or Float16Array) ... got typed
 * array (0)": microsoft/onnxruntime#26791, and PR #32323 for Node 24+). `forNative` hands the
 * binding a Uint16Array view of the same bits, the form it reads correctly.
 */
import ort from 'onnxruntime-node';

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/** Round-to-nearest-even float32 → float16 bits. */
export function floatToHalf(v: number): number {
  f32[0] = v;
  const x = u32[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    const half = mant >> shift;
    const rem = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    return sign | (half + (rem > mid || (rem === mid && (half & 1)) ? 1 : 0));
  }
  const half = (e << 10) | (mant >> 13);
  const rem = mant & 0x1fff;
  return sign | (half + (rem > 0x1000 || (rem === 0x1000 && (half & 1)) ? 1 : 0));
}

export type FloatType = 'float32' | 'float16';

/** The tensor's values as float32, converting from half when needed. */
export function readFloats(t: ort.Tensor): Float32Array {
  if (t.type === 'float32') return t.data as Float32Array;
  if (t.type === 'float16') {
    if (!(t.data instanceof Uint16Array)) return Float32Array.from(t.data as ArrayLike<number>);
    const src = t.data;
    const out = new Float32Array(src.length);
    for (let i = 0; i < src.length; i++) out[i] = halfToFloat(src[i]!);
    return out;
  }
  throw new Error(`expected a float tensor, got ${t.type}`);
}

export function floatTensor(type: FloatType, values: Float32Array, dims: readonly number[]): ort.Tensor {
  if (type === 'float32') return new ort.Tensor('float32', values, dims);
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = floatToHalf(values[i]!);
  return forNative(new ort.Tensor('float16', out, dims));
}

/** Makes a float16 tensor's data a Uint16Array view (no copy) so the native binding accepts it. */
export function forNative(t: ort.Tensor): ort.Tensor {
  if (t.type !== 'float16' || t.data instanceof Uint16Array) return t;
  const d = t.data as unknown as ArrayBufferView;
  // cpuData is the field Tensor.data reads; it is an own, writable property in onnxruntime-common 1.30.
  (t as unknown as { cpuData: Uint16Array }).cpuData = new Uint16Array(d.buffer, d.byteOffset, d.byteLength / 2);
  return t;
}

export function int64Tensor(values: ArrayLike<number | bigint>, dims: readonly number[]): ort.Tensor {
  const data = new BigInt64Array(values.length);
  for (let i = 0; i < values.length; i++) data[i] = BigInt(values[i]!);
  return new ort.Tensor('int64', data, dims);
}

/**
 * A thin layer over onnx-proto so graph code reads like the math it builds:
 * `g.op('Mul', [a, b])` returns the output name, constants become initializers.
 */
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;
const DT = onnx.TensorProto.DataType;

export type ElemType = 'float' | 'int32' | 'int64';
export type AttrValue = number | number[] | string;
export interface AttrSpec {
  [name: string]: { int: number } | { ints: number[] } | { float: number } | AttrValue;
}

export class GraphBuilder {
  private readonly nodes: InstanceType<typeof onnx.NodeProto>[] = [];
  private readonly initializers: InstanceType<typeof onnx.TensorProto>[] = [];
  private readonly inputs: InstanceType<typeof onnx.ValueInfoProto>[] = [];
  private readonly outputs: InstanceType<typeof onnx.ValueInfoProto>[] = [];
  private counter = 0;

  /** Declares a graph input; dims are numbers or symbolic names for dynamic axes. */
  input(name: string, type: ElemType, dims: Array<number | string>): string {
    this.inputs.push(valueInfo(name, type, dims));
    return name;
  }

  output(name: string, type: ElemType, dims: Array<number | string>): void {
    this.outputs.push(valueInfo(name, type, dims));
  }

  constFloat(values: ArrayLike<number>, dims: number[], name = this.fresh('cf')): string {
    this.initializers.push(
      onnx.TensorProto.create({ name, dims, dataType: DT.FLOAT, rawData: rawBytes(Float32Array.from(values)) }),
    );
    return name;
  }

  constInt64(values: number[], dims: number[], name = this.fresh('ci')): string {
    this.initializers.push(
      onnx.TensorProto.create({ name, dims, dataType: DT.INT64, rawData: rawBytes(BigInt64Array.from(values.map(BigInt))) }),
    );
    return name;
  }

  /** Adds a node and returns its (first) output name. */
  op(type: string, inputs: string[], attrs: AttrSpec = {}, output?: string): string {
    const out = output ?? this.fresh(type.toLowerCase());
    this.nodes.push(
      onnx.NodeProto.create({ opType: type, input: inputs, output: [out], name: this.fresh('n'), attribute: toAttrs(attrs) }),
    );
    return out;
  }

  /** Adds a node with `count` outputs (Split) and returns their names. */
  ops(type: string, inputs: string[], count: number, attrs: AttrSpec = {}): string[] {
    const outs = Array.from({ length: count }, () => this.fresh(type.toLowerCase()));
    this.nodes.push(onnx.NodeProto.create({ opType: type, input: inputs, output: outs, name: this.fresh('n'), attribute: toAttrs(attrs) }));
    return outs;
  }

  toBytes(name: string): Uint8Array {
    const graph = onnx.GraphProto.create({
      name,
      node: this.nodes,
      initializer: this.initializers,
      input: this.inputs,
      output: this.outputs,
    });
    const model = onnx.ModelProto.create({
      irVersion: 8,
      producerName: 'ditty',
      opsetImport: [{ domain: '', version: 17 }],
      graph,
    });
    return onnx.ModelProto.encode(model).finish();
  }

  private fresh(prefix: string): string {
    this.counter += 1;
    return `${prefix}_${this.counter}`;
  }
}

function rawBytes(a: Float32Array | BigInt64Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

function valueInfo(name: string, type: ElemType, dims: Array<number | string>) {
  return onnx.ValueInfoProto.create({
    name,
    type: {
      tensorType: {
        elemType: type === 'float' ? DT.FLOAT : type === 'int32' ? DT.INT32 : DT.INT64,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  });
}

function toAttrs(attrs: AttrSpec) {
  const AT = onnx.AttributeProto.AttributeType;
  return Object.entries(attrs).map(([name, v]) => {
    if (typeof v === 'number') return onnx.AttributeProto.create({ name, type: AT.INT, i: v });
    if (typeof v === 'string') return onnx.AttributeProto.create({ name, type: AT.STRING, s: new TextEncoder().encode(v) });
    if (Array.isArray(v)) return onnx.AttributeProto.create({ name, type: AT.INTS, ints: v });
    if ('float' in v) return onnx.AttributeProto.create({ name, type: AT.FLOAT, f: v.float });
    if ('ints' in v) return onnx.AttributeProto.create({ name, type: AT.INTS, ints: v.ints });
    return onnx.AttributeProto.create({ name, type: AT.INT, i: v.int });
  });
}

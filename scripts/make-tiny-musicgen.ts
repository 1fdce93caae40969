/**
 * Writes a tiny MusicGen export with the same folder layout, file names, config keys, tokenizer
 * format and ONNX input/output names, dtypes and symbolic shapes as a real transformers.js /
 * optimum export (Xenova/musicgen-small), but with 2 layers, hidden size 16 and a vocabulary of a
 * few dozen tokens, so the engine's whole path runs in tests without any downloaded weights.
 *
 * Weights are deterministic pseudo-random numbers: the same options always give the same bytes.
 * Run directly to write a folder: `node scripts/make-tiny-musicgen.ts /tmp/tiny-musicgen`.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;
type INode = InstanceType<typeof onnx.NodeProto>;
type ITensor = InstanceType<typeof onnx.TensorProto>;
type IGraph = InstanceType<typeof onnx.GraphProto>;
type IValueInfo = InstanceType<typeof onnx.ValueInfoProto>;
type AttrValue = number | number[] | IGraph;

const F32 = onnx.TensorProto.DataType.FLOAT;
const F16 = onnx.TensorProto.DataType.FLOAT16;
const I64 = onnx.TensorProto.DataType.INT64;
const BOOL = onnx.TensorProto.DataType.BOOL;

export interface TinyMusicgenOptions {
  /** Decoder width (the real musicgen-small: 1024). @defaultValue 16 */
  hiddenSize?: number;
  /** @defaultValue 4 */
  heads?: number;
  /** @defaultValue 2 */
  layers?: number;
  /** Audio codes per codebook; pad = bos = start = this value. @defaultValue 32 */
  codebookSize?: number;
  /** Text encoder width (t5-base: 768). @defaultValue 8 */
  textHidden?: number;
  /** Writes `_fp16` files whose float inputs and outputs are float16, as an fp16 export does. */
  fp16?: boolean;
  /** Also writes `_quantized` file names (fp32 graphs) so variant selection can be tested. */
  quantized?: boolean;
  /** Keeps the decoder's weights in `decoder_model_merged.onnx_data`, like large real exports. */
  externalData?: boolean;
  /** @defaultValue 1 */
  seed?: number;
  /** The decoder's positional table size (real: 2048); small values test the window limit. */
  maxPositions?: number;
  /** Declares an extra (unused) int64 decoder input, to test that unknown inputs are refused. */
  extraDecoderInput?: string;
}

/** Deterministic weights: mulberry32 gives the same stream on every platform. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class GraphBuilder {
  readonly nodes: INode[] = [];
  readonly inits: ITensor[] = [];
  private counter = 0;
  private readonly prefix: string;
  private readonly rand: () => number;

  constructor(prefix: string, rand: () => number) {
    this.prefix = prefix;
    this.rand = rand;
  }

  private fresh(hint: string): string {
    return `${this.prefix}/${hint}_${this.counter++}`;
  }

  floats(hint: string, dims: number[], data: Float32Array): string {
    const name = this.fresh(hint);
    this.inits.push(onnx.TensorProto.create({ name, dims, dataType: F32, rawData: new Uint8Array(data.buffer.slice(0)) }));
    return name;
  }

  random(hint: string, dims: number[], scale: number): string {
    const n = dims.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    for (let i = 0; i < n; i++) data[i] = (this.rand() * 2 - 1) * scale;
    return this.floats(hint, dims, data);
  }

  ints(values: number[], dims: number[] = [values.length]): string {
    const name = this.fresh('const');
    this.inits.push(onnx.TensorProto.create({ name, dims, dataType: I64, rawData: new Uint8Array(BigInt64Array.from(values.map(BigInt)).buffer) }));
    return name;
  }

  scalar(value: number): string {
    return this.floats('scalar', [], Float32Array.of(value));
  }

  op(type: string, inputs: string[], attrs: Record<string, AttrValue> = {}, outputs: string[] | number = 1): string[] {
    const outs = typeof outputs === 'number' ? Array.from({ length: outputs }, () => this.fresh(type)) : outputs;
    const attribute = Object.entries(attrs).map(([name, v]) => {
      if (typeof v === 'number') {
        return Number.isInteger(v)
          ? onnx.AttributeProto.create({ name, type: onnx.AttributeProto.AttributeType.INT, i: v })
          : onnx.AttributeProto.create({ name, type: onnx.AttributeProto.AttributeType.FLOAT, f: v });
      }
      if (Array.isArray(v)) return onnx.AttributeProto.create({ name, type: onnx.AttributeProto.AttributeType.INTS, ints: v });
      return onnx.AttributeProto.create({ name, type: onnx.AttributeProto.AttributeType.GRAPH, g: v });
    });
    this.nodes.push(onnx.NodeProto.create({ opType: type, input: inputs, output: outs, attribute, name: this.fresh(`n_${type}`) }));
    return outs;
  }

  one(type: string, inputs: string[], attrs: Record<string, AttrValue> = {}, output?: string): string {
    return this.op(type, inputs, attrs, output ? [output] : 1)[0]!;
  }
}

function valueInfo(name: string, elemType: number, dims: Array<number | string> | null): IValueInfo {
  const shape = dims === null
    ? undefined
    : onnx.TensorShapeProto.create({
        dim: dims.map((d) => (typeof d === 'number'
          ? onnx.TensorShapeProto.Dimension.create({ dimValue: d })
          : onnx.TensorShapeProto.Dimension.create({ dimParam: d }))),
      });
  return onnx.ValueInfoProto.create({ name, type: onnx.TypeProto.create({ tensorType: onnx.TypeProto.Tensor.create({ elemType, shape }) }) });
}

function modelBytes(graph: IGraph): Uint8Array {
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'ditty-tiny-musicgen',
    opsetImport: [onnx.OperatorSetIdProto.create({ domain: '', version: 17 })],
    graph,
  });
  return onnx.ModelProto.encode(model).finish();
}

/** Moves every initializer's bytes into one side file, as exporters do for weights over 2 GB. */
function externalize(inits: ITensor[], location: string): Uint8Array {
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const t of inits) {
    const raw = t.rawData as Uint8Array;
    // Exporters keep small tensors inline: shape inference needs constant shapes in the graph.
    if (t.dataType !== F32 || raw.byteLength < 1024) continue;
    chunks.push(raw);
    t.rawData = new Uint8Array(0);
    t.dataLocation = onnx.TensorProto.DataLocation.EXTERNAL;
    t.externalData = [
      onnx.StringStringEntryProto.create({ key: 'location', value: location }),
      onnx.StringStringEntryProto.create({ key: 'offset', value: String(offset) }),
      onnx.StringStringEntryProto.create({ key: 'length', value: String(raw.byteLength) }),
    ];
    offset += raw.byteLength;
  }
  const out = new Uint8Array(offset);
  let at = 0;
  for (const c of chunks) { out.set(c, at); at += c.byteLength; }
  return out;
}

/**
 * fp16 exports take and return float16 tensors. The tiny graphs compute in float32 and cast at
 * the edges, which keeps one graph definition while the engine sees real fp16 inputs/outputs.
 */
function castEdges(g: GraphBuilder, inputs: IValueInfo[], outputs: IValueInfo[], fp16: boolean, inner: (name: string) => string) {
  if (!fp16) return { inputs, outputs };
  const retype = (v: IValueInfo, name: string) => {
    const t = v.type!.tensorType!;
    return onnx.ValueInfoProto.create({ name, type: onnx.TypeProto.create({ tensorType: onnx.TypeProto.Tensor.create({ elemType: t.elemType === F32 ? F16 : t.elemType, shape: t.shape }) }) });
  };
  for (const v of inputs) {
    if (v.type!.tensorType!.elemType === F32) g.one('Cast', [v.name!], { to: F32 }, inner(v.name!));
  }
  for (const v of outputs) {
    if (v.type!.tensorType!.elemType === F32) g.one('Cast', [inner(v.name!)], { to: F16 }, v.name!);
  }
  return { inputs: inputs.map((v) => retype(v, v.name!)), outputs: outputs.map((v) => retype(v, v.name!)) };
}

interface Dims {
  D: number; H: number; hd: number; L: number; C: number; V: number; Dt: number; Vt: number; hop: number; maxPos: number;
}

function textEncoder(d: Dims, rand: () => number, fp16: boolean): Uint8Array {
  const g = new GraphBuilder('text_encoder', rand);
  const inner = (n: string) => (fp16 ? `${n}__f32` : n);
  const emb = g.random('shared', [d.Vt, d.Dt], 1);
  const x = g.one('Gather', [emb, 'input_ids'], { axis: 0 });
  const mix = g.one('MatMul', [x, g.random('wi', [d.Dt, d.Dt], 0.8)]);
  const maskF = g.one('Unsqueeze', [g.one('Cast', ['attention_mask'], { to: F32 }), g.ints([-1])]);
  g.one('Mul', [g.one('Tanh', [mix]), maskF], {}, inner('last_hidden_state'));
  const io = castEdges(g, [
    valueInfo('input_ids', I64, ['batch_size', 'encoder_sequence_length']),
    valueInfo('attention_mask', I64, ['batch_size', 'encoder_sequence_length']),
  ], [valueInfo('last_hidden_state', F32, ['batch_size', 'encoder_sequence_length', d.Dt])], fp16, inner);
  return modelBytes(onnx.GraphProto.create({ name: 'text_encoder', node: g.nodes, initializer: g.inits, input: io.inputs, output: io.outputs }));
}

function decoderMerged(d: Dims, rand: () => number, fp16: boolean, externalFile: string | null, extraInput?: string): { model: Uint8Array; data: Uint8Array | null } {
  const g = new GraphBuilder('decoder', rand);
  const inner = (n: string) => (fp16 ? `${n}__f32` : n);
  const pastName = (i: number, part: 'decoder' | 'encoder', kv: 'key' | 'value') => `past_key_values.${i}.${part}.${kv}`;
  const presentName = (i: number, part: 'decoder' | 'encoder', kv: 'key' | 'value') => `present.${i}.${part}.${kv}`;

  // Rows are batch × codebooks; the decoder sums the codebooks' embeddings into one stream per batch row.
  const idsShape = g.one('Shape', ['input_ids']);
  const seq1d = g.one('Slice', [idsShape, g.ints([1]), g.ints([2])]);
  const seqScalar = g.one('Squeeze', [seq1d, g.ints([0])]);
  const ids3 = g.one('Reshape', ['input_ids', g.one('Concat', [g.ints([-1, d.C]), seq1d], { axis: 0 })]);
  const offsets = g.ints(Array.from({ length: d.C }, (_, k) => k * (d.V + 1)), [1, d.C, 1]);
  const emb = g.one('Gather', [g.random('embed_tokens', [d.C * (d.V + 1), d.D], 1), g.one('Add', [ids3, offsets])], { axis: 0 });
  let x = g.one('ReduceSum', [emb, g.ints([1])], { keepdims: 0 });

  // Positions continue from the cached length, so the step index matters as in the real model.
  const pastLen = g.one('Gather', [g.one('Shape', [inner(pastName(0, 'decoder', 'key'))]), g.ints([2], [])], { axis: 0 });
  const positions = g.one('Range', [pastLen, g.one('Add', [pastLen, seqScalar]), g.ints([1], [])]);
  x = g.one('Add', [x, g.one('Gather', [g.random('embed_positions', [d.maxPos, d.D], 0.5), positions], { axis: 0 })]);

  // Causal mask over [past + new] keys: new position i (absolute past + i) sees keys j ≤ past + i,
  // so feeding several columns at once (a context prefill) equals feeding them one by one.
  const queryPos = g.one('Unsqueeze', [g.one('Add', [g.one('Range', [g.ints([0], []), seqScalar, g.ints([1], [])]), pastLen]), g.ints([1])]);
  const keyPos = g.one('Unsqueeze', [g.one('Range', [g.ints([0], []), g.one('Add', [pastLen, seqScalar]), g.ints([1], [])]), g.ints([0])]);
  const causalBias = g.one('Mul', [g.one('Cast', [g.one('Greater', [keyPos, queryPos])], { to: F32 }), g.scalar(-1e4)]);

  const scale = g.scalar(1 / Math.sqrt(d.hd));
  const heads = (t: string) => g.one('Transpose', [g.one('Reshape', [t, g.ints([0, 0, d.H, d.hd])])], { perm: [0, 2, 1, 3] });
  const merge = (t: string) => g.one('Reshape', [g.one('Transpose', [t], { perm: [0, 2, 1, 3] }), g.ints([0, 0, d.D])]);
  const attend = (q: string, k: string, v: string, bias: string | null) => {
    let s = g.one('Mul', [g.one('MatMul', [q, g.one('Transpose', [k], { perm: [0, 1, 3, 2] })]), scale]);
    if (bias) s = g.one('Add', [s, bias]);
    return g.one('MatMul', [g.one('Softmax', [s], { axis: -1 }), v]);
  };

  // Cross-attention keys/values: computed from the text on the first step, then fed back from the
  // cache (use_cache_branch), exactly the contract of optimum's merged decoders.
  const encMaskBias = g.one('Mul', [
    g.one('Sub', [g.scalar(1), g.one('Cast', [g.one('Unsqueeze', ['encoder_attention_mask', g.ints([1, 2])])], { to: F32 })]),
    g.scalar(-1e4),
  ]);
  const thenB = new GraphBuilder('cached', rand);
  const elseB = new GraphBuilder('fresh', rand);
  const branchOuts: { then: IValueInfo[]; else: IValueInfo[] } = { then: [], else: [] };
  const encKV: Array<{ k: string; v: string }> = [];
  const proj = elseB.one('MatMul', [inner('encoder_hidden_states'), g.random('enc_to_dec_proj', [d.Dt, d.D], 0.8)]);
  for (let i = 0; i < d.L; i++) {
    const kOut = `enc_k_${i}`;
    const vOut = `enc_v_${i}`;
    thenB.one('Identity', [inner(pastName(i, 'encoder', 'key'))], {}, `then_${kOut}`);
    thenB.one('Identity', [inner(pastName(i, 'encoder', 'value'))], {}, `then_${vOut}`);
    const eh = (t: string) => elseB.one('Transpose', [elseB.one('Reshape', [t, g.ints([0, 0, d.H, d.hd])])], { perm: [0, 2, 1, 3] });
    elseB.one('Identity', [eh(elseB.one('MatMul', [proj, g.random(`enc_k${i}`, [d.D, d.D], 0.6)]))], {}, `else_${kOut}`);
    elseB.one('Identity', [eh(elseB.one('MatMul', [proj, g.random(`enc_v${i}`, [d.D, d.D], 0.6)]))], {}, `else_${vOut}`);
    branchOuts.then.push(valueInfo(`then_${kOut}`, F32, null), valueInfo(`then_${vOut}`, F32, null));
    branchOuts.else.push(valueInfo(`else_${kOut}`, F32, null), valueInfo(`else_${vOut}`, F32, null));
    encKV.push({ k: kOut, v: vOut });
  }
  g.op('If', ['use_cache_branch'], {
    then_branch: onnx.GraphProto.create({ name: 'cached', node: thenB.nodes, output: branchOuts.then }),
    else_branch: onnx.GraphProto.create({ name: 'fresh', node: elseB.nodes, output: branchOuts.else }),
  }, encKV.flatMap((e) => [e.k, e.v]));

  for (let i = 0; i < d.L; i++) {
    const q = heads(g.one('MatMul', [x, g.random(`q${i}`, [d.D, d.D], 0.6)]));
    const k = heads(g.one('MatMul', [x, g.random(`k${i}`, [d.D, d.D], 0.6)]));
    const v = heads(g.one('MatMul', [x, g.random(`v${i}`, [d.D, d.D], 0.6)]));
    const kAll = g.one('Concat', [inner(pastName(i, 'decoder', 'key')), k], { axis: 2 }, inner(presentName(i, 'decoder', 'key')));
    const vAll = g.one('Concat', [inner(pastName(i, 'decoder', 'value')), v], { axis: 2 }, inner(presentName(i, 'decoder', 'value')));
    x = g.one('Add', [x, g.one('MatMul', [merge(attend(q, kAll, vAll, causalBias)), g.random(`o${i}`, [d.D, d.D], 0.6)])]);
    const q2 = heads(g.one('MatMul', [x, g.random(`cq${i}`, [d.D, d.D], 0.6)]));
    const ek = g.one('Identity', [encKV[i]!.k], {}, inner(presentName(i, 'encoder', 'key')));
    const ev = g.one('Identity', [encKV[i]!.v], {}, inner(presentName(i, 'encoder', 'value')));
    x = g.one('Add', [x, g.one('MatMul', [merge(attend(q2, ek, ev, encMaskBias)), g.random(`co${i}`, [d.D, d.D], 0.6)])]);
    const ff = g.one('MatMul', [g.one('Relu', [g.one('MatMul', [x, g.random(`fc1_${i}`, [d.D, 4 * d.D], 0.6)])]), g.random(`fc2_${i}`, [4 * d.D, d.D], 0.4)]);
    x = g.one('Add', [x, ff]);
  }
  const norm = g.one('LayerNormalization', [x, g.floats('ln_w', [d.D], new Float32Array(d.D).fill(1)), g.floats('ln_b', [d.D], new Float32Array(d.D))], { axis: -1 });
  const heads4 = g.one('MatMul', [norm, g.random('lm_heads', [d.D, d.C * d.V], 1.2)]);
  const perCodebook = g.one('Transpose', [g.one('Reshape', [heads4, g.ints([0, 0, d.C, d.V])])], { perm: [0, 2, 1, 3] });
  g.one('Reshape', [perCodebook, g.one('Concat', [g.ints([-1]), seq1d, g.ints([d.V])], { axis: 0 })], {}, inner('logits'));

  const inputs: IValueInfo[] = [
    valueInfo('encoder_attention_mask', I64, ['batch_size', 'encoder_sequence_length']),
    valueInfo('input_ids', I64, ['batch_size_x_num_codebooks', 'decoder_sequence_length']),
    valueInfo('encoder_hidden_states', F32, ['batch_size', 'encoder_sequence_length', d.Dt]),
  ];
  const outputs: IValueInfo[] = [valueInfo('logits', F32, ['batch_size_x_num_codebooks', 'decoder_sequence_length', d.V])];
  for (let i = 0; i < d.L; i++) {
    for (const kv of ['key', 'value'] as const) {
      inputs.push(valueInfo(pastName(i, 'decoder', kv), F32, ['batch_size', d.H, 'past_decoder_sequence_length', d.hd]));
      outputs.push(valueInfo(presentName(i, 'decoder', kv), F32, ['batch_size', d.H, 'past_decoder_sequence_length + 1', d.hd]));
    }
    for (const kv of ['key', 'value'] as const) {
      inputs.push(valueInfo(pastName(i, 'encoder', kv), F32, ['batch_size', d.H, 'encoder_sequence_length_out', d.hd]));
      outputs.push(valueInfo(presentName(i, 'encoder', kv), F32, ['batch_size', d.H, 'encoder_sequence_length_out', d.hd]));
    }
  }
  inputs.push(valueInfo('use_cache_branch', BOOL, [1]));
  if (extraInput) inputs.push(valueInfo(extraInput, I64, ['batch_size', 'decoder_sequence_length']));
  const io = castEdges(g, inputs, outputs, fp16, inner);
  const data = externalFile ? externalize(g.inits, externalFile) : null;
  const model = modelBytes(onnx.GraphProto.create({ name: 'decoder_model_merged', node: g.nodes, initializer: g.inits, input: io.inputs, output: io.outputs }));
  return { model, data };
}

function encodecDecode(d: Dims, rand: () => number, fp16: boolean): Uint8Array {
  const g = new GraphBuilder('encodec', rand);
  const inner = (n: string) => (fp16 ? `${n}__f32` : n);
  const Dq = 8;
  const codes = g.one('Squeeze', ['audio_codes', g.ints([0])]);
  const offsets = g.ints(Array.from({ length: d.C }, (_, k) => k * d.V), [1, d.C, 1]);
  const emb = g.one('Gather', [g.random('codebooks', [d.C * d.V, Dq], 1), g.one('Add', [codes, offsets])], { axis: 0 });
  const frames = g.one('ReduceSum', [emb, g.ints([1])], { keepdims: 0 });
  const wave = g.one('Tanh', [g.one('MatMul', [frames, g.random('upsample', [Dq, d.hop], 0.7)])]);
  g.one('Reshape', [wave, g.ints([0, 1, -1])], {}, inner('audio_values'));
  const io = castEdges(g, [valueInfo('audio_codes', I64, [1, 'batch_size', d.C, 'chunk_length'])],
    [valueInfo('audio_values', F32, ['batch_size', 1, 'audio_length'])], fp16, inner);
  return modelBytes(onnx.GraphProto.create({ name: 'encodec_decode', node: g.nodes, initializer: g.inits, input: io.inputs, output: io.outputs }));
}

/** A T5-style Unigram vocabulary: a few dozen pieces, scores chosen so whole words win. */
export const TINY_VOCAB: Array<[string, number]> = [
  ['<pad>', 0], ['</s>', 0], ['<unk>', 0], ['▁', -3],
  ['▁lofi', -4], ['▁piano', -4], ['▁beat', -4], ['▁jazz', -4], ['▁with', -4], ['▁drums', -4], ['▁chill', -4],
  ['▁house', -5], ['▁a', -5], ['▁lo', -6], ['fi', -6], ['▁pi', -6], ['ano', -6], ['s', -7],
  ...'abcdefghijklmnopqrstuvwxyz0123456789'.split('').map((c): [string, number] => [c, -9]),
];

function tokenizerJson(): unknown {
  const special = (id: number, content: string) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true });
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [special(0, '<pad>'), special(1, '</s>'), special(2, '<unk>')],
    // Real T5 files carry a Precompiled charsmap (a compiled NFKC-like table); an empty one keeps the type and key.
    normalizer: { type: 'Precompiled', precompiled_charsmap: '' },
    pre_tokenizer: { type: 'Sequence', pretokenizers: [{ type: 'WhitespaceSplit' }, { type: 'Metaspace', replacement: '▁', prepend_scheme: 'always', split: true }] },
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '</s>', type_id: 0 } }],
      pair: [{ Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '</s>', type_id: 0 } }, { Sequence: { id: 'B', type_id: 0 } }, { SpecialToken: { id: '</s>', type_id: 0 } }],
      special_tokens: { '</s>': { id: '</s>', ids: [1], tokens: ['</s>'] } },
    },
    decoder: { type: 'Metaspace', replacement: '▁', prepend_scheme: 'always', split: true },
    model: { type: 'Unigram', unk_id: 2, vocab: TINY_VOCAB, byte_fallback: false },
  };
}

export interface TinyMusicgenInfo {
  dir: string;
  codebookSize: number;
  numCodebooks: number;
  hop: number;
  sampleRate: number;
}

export async function makeTinyMusicgen(dir: string, options: TinyMusicgenOptions = {}): Promise<TinyMusicgenInfo> {
  const D = options.hiddenSize ?? 16;
  const H = options.heads ?? 4;
  const d: Dims = {
    D, H, hd: D / H, L: options.layers ?? 2, C: 4, V: options.codebookSize ?? 32, Dt: options.textHidden ?? 8,
    Vt: TINY_VOCAB.length, hop: 640, maxPos: options.maxPositions ?? 2048,
  };
  const upsamplingRatios = [8, 5, 4, 4]; // product 640: EnCodec 32 kHz, 50 frames per second
  const seed = options.seed ?? 1;
  await mkdir(join(dir, 'onnx'), { recursive: true });

  const config = {
    _name_or_path: 'ditty/tiny-random-musicgen',
    architectures: ['MusicgenForConditionalGeneration'],
    model_type: 'musicgen',
    is_encoder_decoder: true,
    transformers_version: '4.31.0',
    text_encoder: { model_type: 't5', d_model: d.Dt, d_kv: 4, d_ff: 16, num_heads: 2, num_layers: 1, vocab_size: d.Vt, pad_token_id: 0, eos_token_id: 1 },
    decoder: {
      model_type: 'musicgen_decoder', vocab_size: d.V, hidden_size: d.D, num_hidden_layers: d.L, num_attention_heads: d.H,
      ffn_dim: 4 * d.D, num_codebooks: d.C, max_position_embeddings: d.maxPos, pad_token_id: d.V, bos_token_id: d.V,
      activation_function: 'gelu', audio_channels: 1,
    },
    audio_encoder: {
      model_type: 'encodec', sampling_rate: 32000, audio_channels: 1, codebook_size: d.V, upsampling_ratios: upsamplingRatios,
      chunk_length_s: null, overlap: null, frame_rate: 50,
    },
  };
  const generationConfig = {
    _from_model_config: false, bos_token_id: d.V, decoder_start_token_id: d.V, pad_token_id: d.V,
    do_sample: true, guidance_scale: 3.0, max_length: 1500, transformers_version: '4.31.0',
  };
  const tokenizerConfig = { model_max_length: 512, eos_token: '</s>', unk_token: '<unk>', pad_token: '<pad>', tokenizer_class: 'T5Tokenizer', extra_ids: 0 };

  const files: Array<[string, Uint8Array | string]> = [
    ['config.json', JSON.stringify(config, null, 2)],
    ['generation_config.json', JSON.stringify(generationConfig, null, 2)],
    ['tokenizer.json', JSON.stringify(tokenizerJson())],
    ['tokenizer_config.json', JSON.stringify(tokenizerConfig, null, 2)],
  ];
  const variants: Array<{ suffix: string; fp16: boolean }> = [{ suffix: '', fp16: false }];
  if (options.fp16) variants.push({ suffix: '_fp16', fp16: true });
  if (options.quantized) variants.push({ suffix: '_quantized', fp16: false });
  for (const v of variants) {
    // Each variant restarts the stream so every precision holds the same weights.
    const rand = rng(seed);
    files.push([`onnx/text_encoder${v.suffix}.onnx`, textEncoder(d, rand, v.fp16)]);
    const dataFile = options.externalData ? `decoder_model_merged${v.suffix}.onnx_data` : null;
    const dec = decoderMerged(d, rand, v.fp16, dataFile, options.extraDecoderInput);
    files.push([`onnx/decoder_model_merged${v.suffix}.onnx`, dec.model]);
    if (dataFile && dec.data) files.push([`onnx/${dataFile}`, dec.data]);
    files.push([`onnx/encodec_decode${v.suffix}.onnx`, encodecDecode(d, rand, v.fp16)]);
  }
  await Promise.all(files.map(([name, body]) => writeFile(join(dir, name), body)));
  return { dir, codebookSize: d.V, numCodebooks: d.C, hop: d.hop, sampleRate: 32000 };
}

if (import.meta.main) {
  const dir = process.argv[2];
  if (!dir) {
    console.error('usage: node scripts/make-tiny-musicgen.ts <dir> [--fp16] [--external-data]');
    process.exit(2);
  }
  const info = await makeTinyMusicgen(dir, { fp16: process.argv.includes('--fp16'), externalData: process.argv.includes('--external-data') });
  console.log(`tiny MusicGen written to ${info.dir}`);
}

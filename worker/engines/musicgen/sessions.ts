/**
 * Creates the three onnxruntime sessions on the requested execution provider and reads the
 * precision from the decoder's declared input types (what the file is, not what it is called).
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import ort from 'onnxruntime-node';
import { MusicgenModelError, type ModelFolder, type OnnxPart } from './folder.ts';
import type { FloatType } from './tensors.ts';

export type DeviceRequest = 'cpu' | 'cuda' | 'auto';

export interface MusicgenSessions {
  textEncoder: ort.InferenceSession;
  decoder: ort.InferenceSession;
  encodec: ort.InferenceSession;
  device: 'cpu' | 'cuda';
  /** Float type the decoder takes for hidden states and its KV cache. */
  decoderFloat: FloatType;
  precision: 'fp32' | 'fp16' | 'int8';
}

/**
 * onnxruntime-node ships CPU only; the CUDA provider library lands next to the binding when
 * installed with ONNXRUNTIME_NODE_INSTALL=cuda12. Checking for it first turns ORT's shared
 * library failure into a message that says what to install.
 */
export function cudaProviderInstalled(): boolean {
  const require = createRequire(import.meta.url);
  const pkgDir = dirname(require.resolve('onnxruntime-node/package.json'));
  const binDir = join(pkgDir, 'bin', 'napi-v6', process.platform, process.arch);
  return existsSync(join(binDir, 'libonnxruntime_providers_cuda.so')) || existsSync(join(binDir, 'onnxruntime_providers_cuda.dll'));
}

export function resolveDevice(requested: DeviceRequest): 'cpu' | 'cuda' {
  if (requested === 'cpu') return 'cpu';
  const installed = cudaProviderInstalled();
  if (requested === 'auto') return installed ? 'cuda' : 'cpu';
  if (!installed) {
    throw new MusicgenModelError(
      'ONNX_DEVICE=cuda but this onnxruntime-node build has no CUDA provider: on a host with CUDA 12 and cuDNN 9 run ' +
        '`ONNXRUNTIME_NODE_INSTALL=cuda12 node node_modules/onnxruntime-node/script/install.js` once, or set ONNX_DEVICE=cpu',
    );
  }
  return 'cuda';
}

async function open(path: string, part: OnnxPart, device: 'cpu' | 'cuda', threads: number | undefined): Promise<ort.InferenceSession> {
  const options: ort.InferenceSession.SessionOptions = {
    executionProviders: device === 'cuda' ? [{ name: 'cuda', deviceId: 0 }, 'cpu'] : ['cpu'],
    graphOptimizationLevel: 'all',
    ...(threads ? { intraOpNumThreads: threads, interOpNumThreads: 1 } : {}),
  };
  try {
    return await ort.InferenceSession.create(path, options);
  } catch (e) {
    const msg = (e as Error).message;
    const hint = /external|onnx_data|data file/i.test(msg) ? ` (is its ${part} .onnx_data weights file missing?)` : '';
    throw new MusicgenModelError(`cannot load ${path}${hint}: ${msg}`, [path]);
  }
}

function inputType(session: ort.InferenceSession, name: string): string | undefined {
  const meta = session.inputMetadata.find((m) => m.name === name);
  return meta?.isTensor ? meta.type : undefined;
}

const DECODER_INPUTS = ['input_ids', 'encoder_hidden_states', 'encoder_attention_mask'];

export async function openSessions(folder: ModelFolder, device: 'cpu' | 'cuda', threads?: number): Promise<MusicgenSessions> {
  const [textEncoder, decoder, encodec] = await Promise.all([
    open(folder.paths.text_encoder, 'text_encoder', device, threads),
    open(folder.paths.decoder_model_merged, 'decoder_model_merged', device, threads),
    open(folder.paths.encodec_decode, 'encodec_decode', device, threads),
  ]);
  const { settings } = folder;
  const expected = [
    ...DECODER_INPUTS,
    ...Array.from({ length: settings.layers }, (_, i) => `past_key_values.${i}.decoder.key`),
  ];
  // Every input must be one the loop feeds: an unknown one would fail mid-render instead of here.
  const fed = (n: string) => DECODER_INPUTS.includes(n) || n === 'use_cache_branch' || /^past_key_values\.\d+\.(decoder|encoder)\.(key|value)$/.test(n);
  const unknown = decoder.inputNames.filter((n) => !fed(n));
  const unknownText = textEncoder.inputNames.filter((n) => n !== 'input_ids' && n !== 'attention_mask');
  if (unknown.length || unknownText.length) {
    throw new MusicgenModelError(`unsupported model inputs: ${[...unknown.map((n) => `decoder_model_merged: ${n}`), ...unknownText.map((n) => `text_encoder: ${n}`)].join(', ')}`);
  }
  const missing = expected.filter((n) => !decoder.inputNames.includes(n));
  if (missing.length) {
    throw new MusicgenModelError(`${folder.paths.decoder_model_merged} lacks inputs ${missing.join(', ')}: not a merged MusicGen decoder for this config`);
  }
  if (!decoder.outputNames.includes('logits')) throw new MusicgenModelError(`${folder.paths.decoder_model_merged} has no logits output`);
  if (!textEncoder.outputNames.includes('last_hidden_state')) throw new MusicgenModelError(`${folder.paths.text_encoder} has no last_hidden_state output`);
  if (!encodec.inputNames.includes('audio_codes') || !encodec.outputNames.includes('audio_values')) {
    throw new MusicgenModelError(`${folder.paths.encodec_decode} must map audio_codes to audio_values`);
  }
  const hiddenType = inputType(decoder, 'encoder_hidden_states');
  if (hiddenType !== 'float32' && hiddenType !== 'float16') {
    throw new MusicgenModelError(`${folder.paths.decoder_model_merged}: encoder_hidden_states is ${hiddenType}, expected float32 or float16`);
  }
  const precision = folder.variant === 'q8' ? 'int8' : hiddenType === 'float16' ? 'fp16' : 'fp32';
  return { textEncoder, decoder, encodec, device, decoderFloat: hiddenType, precision };
}

export async function releaseSessions(s: MusicgenSessions): Promise<void> {
  await Promise.all([s.textEncoder.release(), s.decoder.release(), s.encodec.release()]);
}

/**
 * The MusicGen recipe on raw onnxruntime sessions: text encoding, the merged decoder stepped one
 * column at a time with its KV cache, classifier-free guidance, top-k sampling, the delay pattern,
 * continuation windows past the 30 s limit, and EnCodec decoding.
 */
import ort from 'onnxruntime-node';
import type { MusicgenSettings } from './folder.ts';
import { frameAt, inputToken, stepsFor } from './delay-pattern.ts';
import { guide, sampleTopK, seededRandom } from './sampling.ts';
import type { MusicgenSessions } from './sessions.ts';
import { floatTensor, forNative, int64Tensor, readFloats } from './tensors.ts';
import type { TextTokens } from './tokenizer.ts';

export interface SamplingOptions {
  guidanceScale: number;
  topK: number;
  temperature: number;
  seed: number;
}

export interface StepHooks {
  /** Called after every decoder step with steps done and steps planned, over all windows. */
  onStep?: (done: number, total: number) => void;
  signal?: AbortSignal;
  /** Time spent inside session.run, for the host-overhead benchmark. */
  runTimer?: { ms: number; steps: number };
}

/** Text conditioning for the decoder: rows are [cond] or [cond, uncond] when guided. */
interface Conditioning {
  hidden: ort.Tensor;
  mask: ort.Tensor;
  rows: number;
}

export async function encodeText(s: MusicgenSessions, tokens: TextTokens, guided: boolean): Promise<Conditioning> {
  const S = tokens.ids.length;
  const feeds: Record<string, ort.Tensor> = { input_ids: int64Tensor(tokens.ids, [1, S]) };
  // Some exports drop the mask input (one unpadded sequence needs none); feed only what is declared.
  if (s.textEncoder.inputNames.includes('attention_mask')) feeds.attention_mask = int64Tensor(tokens.mask, [1, S]);
  const out = await s.textEncoder.run(feeds);
  const h = out.last_hidden_state as ort.Tensor;
  const width = h.dims[2]!;
  const cond = readFloats(h);
  const rows = guided ? 2 : 1;
  // The unconditional row is all zeros with a zero mask, as transformers builds it for guidance.
  const hidden = new Float32Array(rows * S * width);
  hidden.set(cond.subarray(0, S * width));
  const mask = new Array<bigint>(rows * S).fill(0n);
  for (let i = 0; i < S; i++) mask[i] = tokens.mask[i]!;
  return { hidden: floatTensor(s.decoderFloat, hidden, [rows, S, width]), mask: int64Tensor(mask, [rows, S]), rows };
}

function emptyCache(s: MusicgenSessions, settings: MusicgenSettings, rows: number): Record<string, ort.Tensor> {
  const cache: Record<string, ort.Tensor> = {};
  for (const meta of s.decoder.inputMetadata) {
    if (!meta.name.startsWith('past_key_values.') || !meta.isTensor) continue;
    // Heads and head size come from the graph when it states them, else from config.json.
    const heads = typeof meta.shape[1] === 'number' ? meta.shape[1] : settings.heads;
    const headDim = typeof meta.shape[3] === 'number' ? meta.shape[3] : settings.headDim;
    const dims = [rows, heads, 0, headDim];
    cache[meta.name] = meta.type === 'float16'
      ? forNative(new ort.Tensor('float16', new Uint16Array(0), dims))
      : new ort.Tensor('float32', new Float32Array(0), dims);
  }
  return cache;
}

export interface WindowRequest {
  cond: Conditioning;
  /** Frames this window must end with, prompt frames included. */
  frames: number;
  /** Codes [codebook][frame] forced at the start (continuation context); sampled after. */
  prompt?: Int32Array[];
  sampling: SamplingOptions;
  random: () => number;
  /** Feed the prompt's columns in one decoder call. @defaultValue true */
  prefill?: boolean;
}

/** One decoder window: returns codes [codebook][frame] for `frames` frames. */
export async function generateWindow(
  s: MusicgenSessions,
  settings: MusicgenSettings,
  req: WindowRequest,
  hooks: StepHooks,
  progress: { done: number; total: number },
): Promise<Int32Array[]> {
  const C = settings.numCodebooks;
  const V = settings.vocabSize;
  const { rows } = req.cond;
  const guided = rows === 2;
  const promptLen = req.prompt?.[0]?.length ?? 0;
  const codes = Array.from({ length: C }, () => new Int32Array(req.frames));
  const steps = stepsFor(req.frames, C);
  const feeds: Record<string, ort.Tensor> = {
    encoder_hidden_states: req.cond.hidden,
    encoder_attention_mask: req.cond.mask,
    ...emptyCache(s, settings, rows),
  };
  const wantsBranch = s.decoder.inputNames.includes('use_cache_branch');
  const guidedRow = new Float32Array(V);
  // Prompt frames are known: they are written up front, and their columns (every input of
  // columns 0..P−1 is start, pad or prompt) go through the decoder in one prefill call.
  for (let k = 0; k < C && promptLen; k++) codes[k]!.set(req.prompt![k]!.subarray(0, promptLen));
  const prefill = req.prefill !== false && promptLen > 1 ? promptLen : 1;

  for (let column = 0, call = 0; column < steps; call++) {
    hooks.signal?.throwIfAborted();
    const width = call === 0 ? prefill : 1;
    const ids = new BigInt64Array(rows * C * width);
    for (let k = 0; k < C; k++) {
      for (let c = 0; c < width; c++) {
        const token = BigInt(inputToken(codes, column + c, k, settings.decoderStartTokenId, settings.padTokenId));
        for (let b = 0; b < rows; b++) ids[(b * C + k) * width + c] = token;
      }
    }
    feeds.input_ids = new ort.Tensor('int64', ids, [rows * C, width]);
    if (wantsBranch) feeds.use_cache_branch = new ort.Tensor('bool', [call > 0], [1]);

    const t0 = performance.now();
    const out = await s.decoder.run(feeds);
    if (hooks.runTimer) { hooks.runTimer.ms += performance.now() - t0; hooks.runTimer.steps++; }
    column += width;
    const step = column; // the logits at the last fed column give the tokens of step `column`

    const logitsTensor = out.logits as ort.Tensor;
    const seqOut = logitsTensor.dims[1]!;
    const logits = readFloats(logitsTensor);
    for (let k = 0; k < C; k++) {
      const frame = frameAt(step, k);
      if (frame < promptLen || frame >= req.frames) continue;
      // Last position of row k (cond) and row C + k (uncond).
      const at = (row: number) => (row * seqOut + seqOut - 1) * V;
      const cond = logits.subarray(at(k), at(k) + V);
      const row = guided ? guide(cond, logits.subarray(at(C + k), at(C + k) + V), req.sampling.guidanceScale, guidedRow) : cond;
      codes[k]![frame] = sampleTopK(row, req.sampling.topK, req.sampling.temperature, req.random);
    }

    for (const name of s.decoder.outputNames) {
      if (!name.startsWith('present.')) continue;
      const past = `past_key_values.${name.slice('present.'.length)}`;
      // Cross-attention keys are computed once; later steps return placeholders, so keep the first.
      if (name.includes('.encoder.') && call > 0) continue;
      feeds[past] = forNative(out[name] as ort.Tensor);
    }
    progress.done += width;
    hooks.onStep?.(progress.done, progress.total);
  }
  return codes;
}

export interface LongRequest {
  tokens: TextTokens;
  frames: number;
  sampling: SamplingOptions;
  /** See WindowRequest.prefill. @defaultValue true */
  prefill?: boolean;
}

/**
 * Frames beyond one window continue from the last `context` frames of the previous one (audiocraft's
 * extend_stride recipe: 30 s windows advancing 18 s), so every window hears the music so far.
 */
export function planWindows(frames: number, maxWindow: number): { context: number; windows: Array<{ frames: number; prompt: number }> } {
  const context = Math.round(maxWindow * 0.4);
  const windows = [{ frames: Math.min(frames, maxWindow), prompt: 0 }];
  let have = windows[0]!.frames;
  while (have < frames) {
    const fresh = Math.min(maxWindow - context, frames - have);
    windows.push({ frames: context + fresh, prompt: context });
    have += fresh;
  }
  return { context, windows };
}

export async function generateCodes(s: MusicgenSessions, settings: MusicgenSettings, req: LongRequest, hooks: StepHooks = {}): Promise<Int32Array[]> {
  const C = settings.numCodebooks;
  const guided = req.sampling.guidanceScale > 1;
  const cond = await encodeText(s, req.tokens, guided);
  const plan = planWindows(req.frames, settings.maxWindowFrames);
  const progress = { done: 0, total: plan.windows.reduce((n, w) => n + stepsFor(w.frames, C), 0) };
  const random = seededRandom(req.sampling.seed);
  const all = Array.from({ length: C }, () => new Int32Array(req.frames));
  let have = 0;
  for (const w of plan.windows) {
    const prompt = w.prompt ? all.map((row) => row.slice(have - w.prompt, have)) : undefined;
    const codes = await generateWindow(s, settings, { cond, frames: w.frames, prompt, sampling: req.sampling, random, prefill: req.prefill }, hooks, progress);
    for (let k = 0; k < C; k++) all[k]!.set(codes[k]!.subarray(w.prompt), have);
    have += w.frames - w.prompt;
  }
  return all;
}

/** EnCodec turns codes [codebook][frame] into mono samples (one model pass: no window seams). */
export async function decodeAudio(s: MusicgenSessions, codes: Int32Array[]): Promise<Float32Array> {
  const C = codes.length;
  const F = codes[0]!.length;
  const flat = new BigInt64Array(C * F);
  for (let k = 0; k < C; k++) for (let f = 0; f < F; f++) flat[k * F + f] = BigInt(codes[k]![f]!);
  const out = await s.encodec.run({ audio_codes: new ort.Tensor('int64', flat, [1, 1, C, F]) });
  return readFloats(out.audio_values as ort.Tensor);
}

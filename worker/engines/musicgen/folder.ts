/**
 * Validates a MusicGen export folder (the transformers.js / Xenova layout) before any session is
 * created, so a bad MUSICGEN_DIR fails start-up with one message naming every missing file.
 */
import { access, readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';

/** File-name suffix of each precision variant, as transformers.js names them. */
export const VARIANT_SUFFIX = { fp32: '', fp16: '_fp16', q8: '_quantized' } as const;
export type Variant = keyof typeof VARIANT_SUFFIX;

export const ONNX_PARTS = ['text_encoder', 'decoder_model_merged', 'encodec_decode'] as const;
export type OnnxPart = (typeof ONNX_PARTS)[number];

export class MusicgenModelError extends Error {
  /** Paths relative to the model folder that are missing or unreadable. */
  readonly missing: string[];
  constructor(message: string, missing: string[] = []) {
    super(message);
    this.name = 'MusicgenModelError';
    this.missing = missing;
  }
}

const positiveInt = z.number().int().positive();
const configSchema = z.object({
  model_type: z.literal('musicgen'),
  text_encoder: z.object({ model_type: z.string(), d_model: positiveInt, vocab_size: positiveInt }).loose(),
  decoder: z.object({
    model_type: z.literal('musicgen_decoder'),
    vocab_size: positiveInt,
    hidden_size: positiveInt,
    num_hidden_layers: positiveInt,
    num_attention_heads: positiveInt,
    num_codebooks: positiveInt,
    pad_token_id: z.number().int().nonnegative(),
    bos_token_id: z.number().int().nonnegative().optional(),
    max_position_embeddings: positiveInt.optional(),
    audio_channels: z.number().int().min(1).max(2).optional(),
  }).loose(),
  audio_encoder: z.object({
    model_type: z.literal('encodec'),
    sampling_rate: positiveInt,
    upsampling_ratios: z.array(positiveInt).optional(),
    frame_rate: z.number().positive().optional(),
    audio_channels: z.number().int().min(1).max(2).optional(),
  }).loose(),
  decoder_start_token_id: z.number().int().nonnegative().optional(),
}).loose();

const generationSchema = z.object({
  decoder_start_token_id: z.number().int().nonnegative().optional(),
  pad_token_id: z.number().int().nonnegative().optional(),
  guidance_scale: z.number().positive().optional(),
  top_k: z.number().int().positive().optional(),
  temperature: z.number().positive().optional(),
  max_length: positiveInt.optional(),
}).loose();

export interface MusicgenSettings {
  numCodebooks: number;
  /** Audio codes per codebook (2048 for the released models); logits have this width. */
  vocabSize: number;
  padTokenId: number;
  decoderStartTokenId: number;
  layers: number;
  heads: number;
  headDim: number;
  sampleRate: number;
  /** Audio frames per second: sampling rate over EnCodec's total upsampling (32000 / 640 = 50). */
  frameRate: number;
  /** Longest single window in frames: 30 s as trained, within the positional table. */
  maxWindowFrames: number;
  audioChannels: 1 | 2;
  guidanceScale: number;
  topK: number;
  temperature: number;
}

export interface ModelFolder {
  dir: string;
  variant: Variant;
  paths: Record<OnnxPart, string>;
  tokenizerJson: object;
  tokenizerConfig: object;
  settings: MusicgenSettings;
  /** Variants whose three ONNX files are all present, for messages and status. */
  available: Variant[];
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

async function readJson(dir: string, name: string): Promise<unknown> {
  const text = await readFile(join(dir, name), 'utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new MusicgenModelError(`${name} in ${dir} is not valid JSON: ${(e as Error).message}`);
  }
}

function parseOrThrow<T>(schema: z.ZodType<T>, value: unknown, file: string): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
  throw new MusicgenModelError(`${file} does not describe a MusicGen export: ${issues.join('; ')}`);
}

/** The precision variants whose three ONNX files exist in `onnx/`. */
export async function availableVariants(dir: string): Promise<Variant[]> {
  let names: string[];
  try {
    names = await readdir(join(dir, 'onnx'));
  } catch {
    return [];
  }
  return (Object.keys(VARIANT_SUFFIX) as Variant[]).filter((v) => ONNX_PARTS.every((p) => names.includes(`${p}${VARIANT_SUFFIX[v]}.onnx`)));
}

export async function openModelFolder(dir: string, variant: Variant): Promise<ModelFolder> {
  if (!(await exists(dir))) throw new MusicgenModelError(`MusicGen model folder ${dir} does not exist`, ['.']);
  const suffix = VARIANT_SUFFIX[variant];
  const paths = Object.fromEntries(ONNX_PARTS.map((p) => [p, join(dir, 'onnx', `${p}${suffix}.onnx`)])) as Record<OnnxPart, string>;
  const required = ['config.json', 'tokenizer.json', ...ONNX_PARTS.map((p) => `onnx/${p}${suffix}.onnx`)];
  const missing: string[] = [];
  for (const rel of required) if (!(await exists(join(dir, rel)))) missing.push(rel);
  const available = await availableVariants(dir);
  if (missing.length) {
    const hint = available.length && !available.includes(variant)
      ? ` (this folder has the ${available.join(', ')} variant${available.length > 1 ? 's' : ''}: set the precision accordingly)`
      : '';
    throw new MusicgenModelError(`MusicGen model folder ${dir} is incomplete for ${variant}: missing ${missing.join(', ')}${hint}`, missing);
  }

  const config = parseOrThrow(configSchema, await readJson(dir, 'config.json'), 'config.json');
  const generation = (await exists(join(dir, 'generation_config.json')))
    ? parseOrThrow(generationSchema, await readJson(dir, 'generation_config.json'), 'generation_config.json')
    : {};
  const tokenizerJson = await readJson(dir, 'tokenizer.json');
  const model = (tokenizerJson as { model?: { type?: string } }).model;
  if (typeof tokenizerJson !== 'object' || tokenizerJson === null || model?.type !== 'Unigram') {
    throw new MusicgenModelError(`tokenizer.json in ${dir} is not a T5 (Unigram) tokenizer`);
  }
  const tokenizerConfig = (await exists(join(dir, 'tokenizer_config.json'))) ? await readJson(dir, 'tokenizer_config.json') : {};

  const dec = config.decoder;
  const enc = config.audio_encoder;
  if (dec.hidden_size % dec.num_attention_heads !== 0) {
    throw new MusicgenModelError(`config.json: decoder.hidden_size ${dec.hidden_size} is not a multiple of num_attention_heads ${dec.num_attention_heads}`);
  }
  const hop = enc.upsampling_ratios?.reduce((a, b) => a * b, 1);
  const frameRate = hop ? enc.sampling_rate / hop : (enc.frame_rate ?? 50);
  const positions = dec.max_position_embeddings ?? 2048;
  const settings: MusicgenSettings = {
    numCodebooks: dec.num_codebooks,
    vocabSize: dec.vocab_size,
    padTokenId: generation.pad_token_id ?? dec.pad_token_id,
    decoderStartTokenId: generation.decoder_start_token_id ?? config.decoder_start_token_id ?? dec.bos_token_id ?? dec.pad_token_id,
    layers: dec.num_hidden_layers,
    heads: dec.num_attention_heads,
    headDim: dec.hidden_size / dec.num_attention_heads,
    sampleRate: enc.sampling_rate,
    frameRate,
    maxWindowFrames: Math.min(Math.round(30 * frameRate), positions - dec.num_codebooks),
    audioChannels: (dec.audio_channels ?? enc.audio_channels ?? 1) as 1 | 2,
    guidanceScale: generation.guidance_scale ?? 3,
    // transformers' default when generation_config.json has none (audiocraft uses 250).
    topK: generation.top_k ?? 50,
    temperature: generation.temperature ?? 1,
  };
  if (settings.audioChannels !== 1) {
    throw new MusicgenModelError('config.json describes a stereo MusicGen export; only mono exports are supported');
  }
  return { dir, variant, paths, tokenizerJson: tokenizerJson as object, tokenizerConfig: tokenizerConfig as object, settings, available };
}

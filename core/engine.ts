import type { MusicParams } from './music.ts';

export interface RenderInput {
  prompt: string;
  params: MusicParams;
  durationS: number;
  /**
   * Extend: this render continues a finished track of this length (seconds) with the same params
   * and seed; for an extension of an extension, the lengths of the whole line, oldest first. The
   * result is the whole longer track, whose start is the parent's audio.
   */
  continueFromS?: number | readonly number[];
}

export interface RenderedAudio {
  sampleRate: number;
  channels: number;
  /** Interleaved float32 samples in [-1, 1]; length = frames * channels. */
  pcm: Float32Array;
}

export interface RenderOptions {
  /** Called with a fraction in [0, 1] as rendering advances. */
  onProgress?: (fraction: number) => void;
  /** Aborting rejects the render with an AbortError as soon as the engine can stop. */
  signal?: AbortSignal;
}

/** What every engine (embedded, MusicGen) offers the worker. */
export interface Engine {
  readonly name: string;
  readonly version: string;
  readonly device: 'cpu' | 'cuda';
  readonly precision: 'fp32' | 'fp16' | 'int8';
  readonly maxDurationS: number;
  readonly sampleRate: number;
  /** Loads models or builds graphs; idempotent. */
  load(): Promise<void>;
  render(input: RenderInput, options?: RenderOptions): Promise<RenderedAudio>;
  dispose(): Promise<void>;
}

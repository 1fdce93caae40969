/**
 * `npm run model:fetch`: downloads a MusicGen ONNX export (transformers.js layout) into
 * MODEL_DIR on a host with internet, then validates the folder the way the engine will.
 *
 *   MODEL_DIR=./models/musicgen-small npm run model:fetch
 *   MUSICGEN_REPO=Xenova/musicgen-small MUSICGEN_PRECISION=fp16 npm run model:fetch
 *
 * Files already present are kept, so an interrupted download resumes file by file.
 */
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { ONNX_PARTS, VARIANT_SUFFIX, openModelFolder, type Variant } from '../worker/engines/musicgen/folder.ts';
import { loadEnvFile } from '../core/env-file.ts';

export interface FetchOptions {
  dir: string;
  /** @defaultValue 'Xenova/musicgen-small' */
  repo?: string;
  /** @defaultValue 'fp32' */
  precision?: Variant;
  /** Hub base URL. @defaultValue HF_ENDPOINT or https://huggingface.co */
  endpoint?: string;
  log?: (line: string) => void;
}

export class ModelFetchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelFetchError';
  }
}

async function size(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    return 0;
  }
}

/** Returns false when the file does not exist upstream (404), for optional files. */
async function download(url: string, dest: string, optional: boolean): Promise<boolean> {
  if ((await size(dest)) > 0) return true;
  let res: Response;
  try {
    res = await fetch(url, { redirect: 'follow', signal: AbortSignal.timeout(60_000) });
  } catch (e) {
    const cause = (e as Error & { cause?: Error }).cause?.message ?? (e as Error).message;
    throw new ModelFetchError(
      `cannot reach ${new URL(url).origin} (${cause}). This host has no access to the model hub: download the export ` +
        'on a machine with internet (same command) and copy the folder to MODEL_DIR.',
    );
  }
  if (res.status === 404 && optional) return false;
  if (!res.ok || !res.body) throw new ModelFetchError(`${url}: HTTP ${res.status}`);
  await mkdir(dirname(dest), { recursive: true });
  const part = `${dest}.part`;
  try {
    await pipeline(Readable.fromWeb(res.body as unknown as WebReadableStream<Uint8Array>), createWriteStream(part));
    await rename(part, dest);
  } catch (e) {
    await rm(part, { force: true });
    throw e;
  }
  return true;
}

export async function fetchMusicgen(opts: FetchOptions): Promise<void> {
  const repo = opts.repo ?? 'Xenova/musicgen-small';
  const precision = opts.precision ?? 'fp32';
  const endpoint = (opts.endpoint ?? process.env.HF_ENDPOINT ?? 'https://huggingface.co').replace(/\/$/, '');
  const log = opts.log ?? ((line: string) => console.log(line));
  const required = ['config.json', 'tokenizer.json', ...ONNX_PARTS.map((p) => `onnx/${p}${VARIANT_SUFFIX[precision]}.onnx`)];
  const optional = ['generation_config.json', 'tokenizer_config.json', ...ONNX_PARTS.map((p) => `onnx/${p}${VARIANT_SUFFIX[precision]}.onnx_data`)];
  for (const [files, isOptional] of [[required, false], [optional, true]] as const) {
    for (const file of files) {
      const got = await download(`${endpoint}/${repo}/resolve/main/${file}`, join(opts.dir, file), isOptional);
      log(got ? `ok  ${file}` : `--  ${file} (not in ${repo})`);
    }
  }
  await openModelFolder(opts.dir, precision);
  log(`${repo} (${precision}) is ready in ${opts.dir}`);
}

if (import.meta.main) {
  loadEnvFile();
  const dir = process.argv[2] ?? process.env.MODEL_DIR;
  if (!dir) {
    console.error('Set MODEL_DIR (or pass the folder as the first argument).');
    process.exit(2);
  }
  const precision = (process.env.MUSICGEN_PRECISION ?? 'fp32') as Variant;
  if (!(precision in VARIANT_SUFFIX)) {
    console.error(`MUSICGEN_PRECISION must be one of ${Object.keys(VARIANT_SUFFIX).join(', ')}`);
    process.exit(2);
  }
  try {
    await fetchMusicgen({ dir, repo: process.env.MUSICGEN_REPO, precision });
  } catch (e) {
    console.error(`model:fetch failed: ${(e as Error).message}`);
    process.exit(1);
  }
}

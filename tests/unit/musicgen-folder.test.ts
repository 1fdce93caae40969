import { mkdtemp, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TINY_VOCAB, makeTinyMusicgen } from '../../scripts/make-tiny-musicgen.ts';
import { MusicgenModelError, availableVariants, openModelFolder } from '../../worker/engines/musicgen/folder.ts';
import { createMusicgenEngine } from '../../worker/engines/musicgen/index.ts';
import { T5Tokens } from '../../worker/engines/musicgen/tokenizer.ts';

let root: string;
const fresh = async (name: string, opts: Parameters<typeof makeTinyMusicgen>[1] = {}) => (await makeTinyMusicgen(join(root, name), opts)).dir;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'ditty-musicgen-folder-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function rejection(p: Promise<unknown>): Promise<MusicgenModelError> {
  const e = await p.then(() => null, (err: unknown) => err);
  expect(e).toBeInstanceOf(MusicgenModelError);
  return e as MusicgenModelError;
}

describe('model folder validation', () => {
  it('GIVEN a complete tiny export THEN reads settings from config.json and generation_config.json', async () => {
    const dir = await fresh('ok');
    const f = await openModelFolder(dir, 'fp32');
    expect(f.settings).toMatchObject({
      numCodebooks: 4, vocabSize: 32, padTokenId: 32, decoderStartTokenId: 32, layers: 2, heads: 4, headDim: 4,
      sampleRate: 32000, frameRate: 50, guidanceScale: 3, topK: 50, audioChannels: 1,
    });
    expect(f.settings.maxWindowFrames).toBe(1500);
    expect(f.paths.decoder_model_merged).toBe(join(dir, 'onnx', 'decoder_model_merged.onnx'));
  });

  it('GIVEN no folder THEN the error names the folder', async () => {
    const e = await rejection(openModelFolder(join(root, 'nope'), 'fp32'));
    expect(e.message).toContain(join(root, 'nope'));
  });

  it('GIVEN missing files THEN one error names every missing file', async () => {
    const dir = await fresh('missing');
    await unlink(join(dir, 'onnx', 'decoder_model_merged.onnx'));
    await unlink(join(dir, 'tokenizer.json'));
    const e = await rejection(openModelFolder(dir, 'fp32'));
    expect(e.missing).toEqual(['tokenizer.json', 'onnx/decoder_model_merged.onnx']);
    expect(e.message).toContain('onnx/decoder_model_merged.onnx');
    expect(e.message).toContain('tokenizer.json');
  });

  it('GIVEN only fp32 files WHEN fp16 is asked THEN names the _fp16 files and the variant present', async () => {
    const dir = await fresh('fp32only');
    expect(await availableVariants(dir)).toEqual(['fp32']);
    const e = await rejection(openModelFolder(dir, 'fp16'));
    expect(e.missing).toContain('onnx/text_encoder_fp16.onnx');
    expect(e.message).toMatch(/has the fp32 variant/);
  });

  it('GIVEN a config of another model THEN config.json is named with the bad key', async () => {
    const dir = await fresh('badconfig');
    const cfg = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8')) as Record<string, unknown>;
    await writeFile(join(dir, 'config.json'), JSON.stringify({ ...cfg, model_type: 't5' }));
    const e = await rejection(openModelFolder(dir, 'fp32'));
    expect(e.message).toMatch(/config\.json .*model_type/);
  });

  it('GIVEN a BPE tokenizer.json THEN says it is not a T5 Unigram tokenizer', async () => {
    const dir = await fresh('badtok');
    await writeFile(join(dir, 'tokenizer.json'), JSON.stringify({ model: { type: 'BPE', vocab: {}, merges: [] } }));
    const e = await rejection(openModelFolder(dir, 'fp32'));
    expect(e.message).toContain('not a T5 (Unigram) tokenizer');
  });

  it('GIVEN weights in .onnx_data THEN loads; GIVEN the data file gone THEN load names the decoder file', async () => {
    const dir = await fresh('external', { externalData: true });
    const engine = createMusicgenEngine({ dir });
    await engine.load();
    expect(engine.status().loaded).toBe(true);
    await engine.dispose();
    await unlink(join(dir, 'onnx', 'decoder_model_merged.onnx_data'));
    const broken = createMusicgenEngine({ dir });
    const e = await rejection(broken.load());
    expect(e.message).toContain('decoder_model_merged.onnx');
    expect(broken.status()).toMatchObject({ loaded: false });
    expect(broken.status().error).toContain('decoder_model_merged.onnx');
  });
});

describe('model inputs', () => {
  it('GIVEN a decoder with an input the loop does not feed THEN load refuses it by name', async () => {
    const dir = await fresh('extra-input', { extraDecoderInput: 'position_ids' });
    const engine = createMusicgenEngine({ dir });
    const e = await rejection(engine.load());
    expect(e.message).toBe('unsupported model inputs: decoder_model_merged: position_ids');
  });
});

describe('T5 tokenizer from tokenizer.json', () => {
  let tokens: T5Tokens;
  beforeAll(async () => {
    const f = await openModelFolder(await fresh('tok'), 'fp32');
    tokens = new T5Tokens(f.tokenizerJson, f.tokenizerConfig, 8);
  });

  it('GIVEN words in the vocabulary THEN whole-word pieces and </s> (id 1) at the end', () => {
    expect(tokens.tokens('lofi piano')).toEqual(['▁lofi', '▁piano', '</s>']);
    expect(tokens.encode('lofi piano')).toEqual({ ids: [4n, 5n, 1n], mask: [1n, 1n, 1n] });
  });

  it('GIVEN odd whitespace THEN normalizes it like T5 (NBSP, newlines, runs of spaces)', () => {
    expect(tokens.encode('  lofi\u00A0 piano\n').ids).toEqual([4n, 5n, 1n]);
  });

  it('GIVEN a word outside the vocabulary THEN Viterbi falls back to pieces and <unk> (id 2)', () => {
    expect(tokens.tokens('pianos')).toEqual(['▁piano', 's', '</s>']);
    // T5 is cased: 'L' is unknown, so '▁' + <unk> + 'o' + 'fi' wins over any single piece.
    const id = (piece: string) => BigInt(TINY_VOCAB.findIndex(([p]) => p === piece));
    expect(tokens.encode('Lofi').ids).toEqual([id('▁'), 2n, id('o'), id('fi'), 1n]);
  });

  it('GIVEN text longer than the limit THEN truncates and keeps </s> last', () => {
    const { ids, mask } = tokens.encode('lofi piano beat jazz with drums chill house lofi piano');
    expect(ids).toHaveLength(8);
    expect(ids.at(-1)).toBe(1n);
    expect(mask).toHaveLength(8);
  });
});

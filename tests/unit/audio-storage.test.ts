import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { newPublicToken as newDbToken } from '../../core/db/repo.ts';
import { atomicFile, isPublicToken, newPublicToken, PUBLIC_TOKEN_LENGTH, removeTrack, trackPath } from '../../core/storage.ts';

const dirs: string[] = [];
afterAll(async () => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));
async function tempDir(): Promise<string> {
  const d = await mkdtemp(path.join(tmpdir(), 'ditty-storage-'));
  dirs.push(d);
  return d;
}

const ID = '3fa2c9d1-7b4e-4c1a-9f00-1234567890ab';

describe('storage', () => {
  it('GIVEN a generation id THEN the track lives in two shard directories under DATA_DIR', () => {
    const p = trackPath('/data', ID, 'ogg');
    expect(p).toBe(`/data/tracks/3f/a2/${ID}.ogg`);
    expect(trackPath('/data', ID.toUpperCase(), 'mp3')).toBe(`/data/tracks/3f/a2/${ID}.mp3`);
  });

  it('GIVEN a path-like or malformed id or extension THEN refuses to build a path', () => {
    expect(() => trackPath('/data', '../../etc/passwd', 'ogg')).toThrow(/generation id/);
    expect(() => trackPath('/data', `${ID}/..`, 'ogg')).toThrow(/generation id/);
    expect(() => trackPath('/data', ID, 'sh' as never)).toThrow(/extension/);
  });

  it('GIVEN new tokens THEN each is 43 base64url characters of 32 bytes and they do not repeat', () => {
    const tokens = new Set(Array.from({ length: 1000 }, newPublicToken));
    expect(tokens.size).toBe(1000);
    expect(isPublicToken(`${'a'.repeat(42)}A`)).toBe(true);
    for (const t of tokens) {
      expect(t).toHaveLength(PUBLIC_TOKEN_LENGTH);
      expect(isPublicToken(t)).toBe(true);
      expect(Buffer.from(t, 'base64url').toString('base64url')).toBe(t);
    }
  });

  it('GIVEN the tokens the database layer mints THEN the link routes accept them', () => {
    for (let i = 0; i < 200; i++) expect(isPublicToken(newDbToken())).toBe(true);
  });

  it('GIVEN strings that are not tokens THEN isPublicToken rejects them', () => {
    // 'B' last: right length but not a canonical encoding of 32 bytes.
    for (const bad of ['', 'a'.repeat(42), 'A'.repeat(44), `${'a'.repeat(42)}=`, `${'a'.repeat(42)}/`, `${'a'.repeat(42)}.`, `${'a'.repeat(42)}B`, ID, 42, null]) {
      expect(isPublicToken(bad)).toBe(false);
    }
  });

  it('GIVEN an atomic write THEN the final name appears only on commit, and discard leaves nothing', async () => {
    const dataDir = await tempDir();
    const final = trackPath(dataDir, ID, 'wav');
    const f = await atomicFile(final);
    await writeFile(f.tmpPath, 'partial');
    await expect(stat(final)).rejects.toThrow(/ENOENT/);
    await f.commit();
    expect(await readFile(final, 'utf8')).toBe('partial');

    const g = await atomicFile(final);
    await writeFile(g.tmpPath, 'second');
    await g.discard();
    await g.discard();
    expect(await readFile(final, 'utf8')).toBe('partial');
    expect(await readdir(path.dirname(final))).toEqual([`${ID}.wav`]);
  });

  it('GIVEN files in several formats THEN removeTrack removes exactly that generation', async () => {
    const dataDir = await tempDir();
    const other = '3fa2ffff-7b4e-4c1a-9f00-1234567890ab';
    for (const p of [trackPath(dataDir, ID, 'ogg'), trackPath(dataDir, ID, 'mp3'), trackPath(dataDir, other, 'ogg')]) {
      const f = await atomicFile(p);
      await writeFile(f.tmpPath, 'x');
      await f.commit();
    }
    expect(await removeTrack(dataDir, ID)).toBe(2);
    expect(await readdir(path.dirname(trackPath(dataDir, ID, 'ogg')))).toEqual([`${other}.ogg`]);
    expect(await removeTrack(dataDir, ID)).toBe(0);
    expect(await removeTrack(dataDir, 'aaaaaaaa-0000-4000-8000-000000000000')).toBe(0);
  });
});

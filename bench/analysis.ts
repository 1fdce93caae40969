/**
 * Issue 16's two goals, measured here:
 *
 * 1. Analysis time per 30 s track against render + encode (goal: under 10%), side by side in one
 *    process: each track is rendered by the embedded engine, encoded as the pipeline does
 *    (encodeToFit, Opus), then analysed, in turn, so the machine's drifting load hits all three
 *    alike. Wall times (encode is mostly an ffmpeg child process, which this process's CPU time
 *    does not see); the ratio is per track, then the median.
 *
 * 2. "More like this" p95 at 100k analysed tracks (goal < 20 ms): a private schema with 100k
 *    finished generations whose embeddings are real ones (every style rendered, 10 s) plus
 *    Gaussian noise of the size seed-to-seed differences have, spread over a big server (half of
 *    the tracks), 49 mid-size ones and 500 small ones. Times the same similarTracks() call the
 *    core makes (target read, the server's candidates from the GiST index on server and summary,
 *    exact re-rank, details), 200 queries per server kind.
 *
 * What the changes of 2026-12-04 (session 3) bought, measured old against new in one process,
 * alternating, on the same 24 renders (medians; the machine shared, load 1-6):
 * - The mono mix at half rate was mixed inside the decimation filter through a bounds-checked
 *   closure: 30-35 ms of a 75-93 ms analysis. Mixed once, then an unrolled half-band loop: 4 ms.
 * - True peak: block peaks first (on the floats' bit patterns), pairs only in blocks that reach
 *   the -6 dB threshold, the three kernels folded on their symmetry: 11-17 -> 7.5 ms.
 * - Spectra through PFFFT (WASM SIMD) instead of fft.js: 8.6 -> 1.6 ms of FFTs.
 * - Loudness K-weights every other sample with half-rate filters: 8 -> 4 ms (+0.03-0.07 LU).
 * - Work buffers kept between tracks: fresh arrays right after a render cost 3500-5000 page
 *   faults; the analysis's CPU time in this benchmark's setting went from 50-114 to ~35-50 ms.
 * - All together: 72-93 -> 28-31 ms repeated on the same tracks (2.3-2.6x), 93-98 -> 55-59 ms
 *   right after each track's render and encode as here, under load 3-5.
 * - Session 4: ffmpeg started by a helper process (worker/audio/spawner.ts). Every encode forked
 *   the worker, after which its next writes faulted on copy-on-write pages: a 30 s render right
 *   after a spawn took 531 ms and 18k faults against 209 ms and 0.7k without one, and the analysis
 *   paid ~3300 faults. The rows below time both launchers side by side.
 * - "More like this": the server in the GiST index (migration 20261204203000) took the mid-size
 *   server's p95 from 23.5 to 5.2 ms (big 15.3 -> 11.6, small 1.9 -> 1.8), same top 5.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EMBEDDING_DIMS } from '../core/analysis.ts';
import { loadConfig } from '../core/config.ts';
import { createOrm, dropSchema, ensureDatabase, migrateUp, similarTracks, type EntityManager } from '../core/db/index.ts';
import { GENRES } from '../core/music.ts';
import { parsePrompt } from '../core/prompt/parse.ts';
import { analyse } from '../worker/analysis/analyse.ts';
import { encodeToFit, type Launcher } from '../worker/audio/encode.ts';
import { locateFfmpeg } from '../worker/audio/ffmpeg.ts';
import { createEmbeddedEngine } from '../worker/engines/embedded/index.ts';
import { median, percentile, type Bench, type BenchRow } from './lib.ts';

const TIMED_STYLES = ['lofi', 'house', 'rock', 'jazz', 'ambient', 'metal', 'bossa', 'trap', 'cinematic', 'pop', 'dnb', 'funk'];
const TRACKS = Number(process.env.BENCH_SIMILAR_TRACKS ?? 100_000);
const QUERIES = 200;

export const bench: Bench = async () => {
  const rows: BenchRow[] = [];
  const engine = createEmbeddedEngine();
  await engine.load();
  const ffmpeg = (await locateFfmpeg()).ffmpeg;
  const dir = await mkdtemp(join(tmpdir(), 'ditty-bench-analysis-'));
  const centres: number[][] = [];
  try {
    // Warm-up: one track through all three, so the JIT is not timed.
    const warm = await engine.render({ prompt: 'pop', params: parsePrompt('pop', 9), durationS: 30 });
    await encodeToFit(warm, { sizeLimitBytes: 10 * 1024 * 1024, dataDir: dir, generationId: '00000000-0000-4000-8000-000000000000', ffmpeg });
    analyse(warm);

    // Each style with both ways of starting ffmpeg (spawner.ts), in alternating order. Before each
    // timed track, a short encode with the same launcher: a worker's previous track was encoded
    // just before, and with the 'direct' launcher that fork is what makes the next render and
    // analysis fault on copy-on-write pages.
    const short = await engine.render({ prompt: 'pop', params: parsePrompt('pop', 2), durationS: 2 });
    const byLauncher = { helper: timings(), direct: timings() };
    let i = 0;
    for (const [n, style] of TIMED_STYLES.entries()) {
      for (const launcher of (n % 2 ? ['direct', 'helper'] : ['helper', 'direct']) as Launcher[]) {
        const to = () => ({ sizeLimitBytes: 10 * 1024 * 1024, dataDir: dir, generationId: `00000000-0000-4000-8000-${String(++i).padStart(12, '0')}`, ffmpeg, launcher });
        await encodeToFit(short, to());
        const params = parsePrompt(style, 1);
        let t = performance.now();
        const audio = await engine.render({ prompt: style, params, durationS: 30 });
        const r = performance.now() - t;
        t = performance.now();
        await encodeToFit(audio, to());
        const e = performance.now() - t;
        const cpu = process.cpuUsage();
        const faults = process.resourceUsage().minorPageFault;
        t = performance.now();
        analyse(audio);
        const a = performance.now() - t;
        const used = process.cpuUsage(cpu);
        const m = byLauncher[launcher];
        m.faults.push(process.resourceUsage().minorPageFault - faults);
        // The same analysis at once again: no ffmpeg spawned in between, so no copy-on-write faults.
        t = performance.now();
        analyse(audio);
        m.again.push(performance.now() - t);
        m.render.push(r);
        m.encode.push(e);
        m.analysis.push(a);
        m.cpu.push((used.user + used.system) / 1000);
        m.ratio.push(a / (r + e));
      }
    }
    const { helper, direct } = byLauncher;
    const pct = median(helper.ratio) * 100;
    const ms = (xs: number[]) => Math.round(median(xs) * 10) / 10;
    rows.push(
      { group: 'analysis', name: 'analysis of a 30 s track, median of 12 styles (wall)', value: ms(helper.analysis), unit: 'ms',
        note: `CPU ${median(helper.cpu).toFixed(1)} ms; p90 ${percentile(helper.analysis, 90).toFixed(0)} ms; ${median(helper.faults)} page faults; `
          + `ffmpeg forked by the worker itself: ${ms(direct.analysis)} ms, ${median(direct.faults)} page faults` },
      { group: 'analysis', name: 'the same analysis repeated at once, median (wall)', value: ms(helper.again), unit: 'ms',
        note: `the floor: no spawn in between (direct launcher: ${ms(direct.again)} ms)` },
      { group: 'analysis', name: 'render + encode of the same tracks, median (wall)', value: Math.round(median(helper.render) + median(helper.encode)), unit: 'ms',
        note: `render ${median(helper.render).toFixed(0)} ms, encode ${median(helper.encode).toFixed(0)} ms; `
          + `ffmpeg forked by the worker itself: render ${median(direct.render).toFixed(0)} ms, encode ${median(direct.encode).toFixed(0)} ms` },
      { group: 'analysis', name: 'analysis / (render + encode), median per track', value: Math.round(pct * 10) / 10, unit: '%',
        goal: '< 10%', met: pct < 10,
        note: `range ${(Math.min(...helper.ratio) * 100).toFixed(1)}-${(Math.max(...helper.ratio) * 100).toFixed(1)}%; ffmpeg forked by the worker itself: ${(median(direct.ratio) * 100).toFixed(1)}%` },
    );

    // Embedding centres: every style, 10 s, one seed.
    for (const style of GENRES) {
      const audio = await engine.render({ prompt: style, params: parsePrompt(style, 1), durationS: 10 });
      centres.push(analyse(audio).embedding);
    }
  } finally {
    await engine.dispose();
    await rm(dir, { recursive: true, force: true });
  }

  rows.push(...(await knnBench(centres)));
  return rows;
};

function timings() {
  return { render: [] as number[], encode: [] as number[], analysis: [] as number[], again: [] as number[], cpu: [] as number[], faults: [] as number[], ratio: [] as number[] };
}

async function knnBench(centres: number[][]): Promise<BenchRow[]> {
  const config = loadConfig();
  await ensureDatabase(config.databaseUrl);
  const schema = `bench_knn_${randomBytes(4).toString('hex')}`;
  const orm = await createOrm({ databaseUrl: config.databaseUrl, schema });
  try {
    await migrateUp(orm);
    const t0 = performance.now();
    await seed(orm.em.fork(), centres);
    const seedS = (performance.now() - t0) / 1000;
    const rows: BenchRow[] = [];
    for (const [label, where] of [
      ['big server (50% of tracks)', `g.guild_id = 'big'`],
      ['mid server (1% of tracks)', `g.guild_id = 'mid7'`],
      ['small server (0.1% of tracks)', `g.guild_id = 'small42'`],
    ] as const) {
      const targets = await orm.em.fork().execute<Array<{ id: string; guild_id: string }>>(
        `select g.id, g.guild_id from generations g where ${where} order by md5(g.id::text) limit ${QUERIES}`,
      );
      // Warm the cache the way a running server has it.
      for (const t of targets.slice(0, 10)) await similarTracks(orm.em.fork(), { platform: 'discord', guildId: t.guild_id }, t.id, 5, 'cube');
      const times: number[] = [];
      let found = 0;
      for (const t of targets) {
        const s = performance.now();
        const res = await similarTracks(orm.em.fork(), { platform: 'discord', guildId: t.guild_id }, t.id, 5, 'cube');
        times.push(performance.now() - s);
        found += res?.tracks.length ?? 0;
      }
      const p95 = percentile(times, 95);
      rows.push({
        group: 'similar', name: `More like this, ${TRACKS / 1000}k tracks, ${label}: p95`, value: Math.round(p95 * 10) / 10, unit: 'ms',
        goal: '< 20 ms', met: p95 < 20,
        note: `p50 ${median(times).toFixed(1)} ms, ${targets.length} queries, ${(found / targets.length).toFixed(1)} results each; fixture ${seedS.toFixed(0)} s`,
      });
    }
    return rows;
  } finally {
    await dropSchema(orm, schema);
    await orm.close();
  }
}

/** 100k finished generations with analyses: users per server, embeddings = centre + noise. */
export async function seed(em: EntityManager, centres: number[][]): Promise<void> {
  // Seed-to-seed distance in the tests is ~0.5 over 64 dimensions: sigma per dimension 0.5 / sqrt(2 * 64).
  const sigma = 0.5 / Math.sqrt(2 * EMBEDDING_DIMS);
  const centreSql = `array[${centres.map((c) => `array[${c.join(',')}]`).join(',')}]::float8[]`;
  await em.transactional(async (tx) => {
    const run = (sql: string) => tx.execute(sql, [], 'run');
    await run(`set local synchronous_commit = off`);
    await run(`set local session_replication_role = replica`);
    await run(`select setseed(0.16)`);
    // Servers: 'big' (users 1-100), 49 mid ('mid0'..'mid48', 10 users each), 500 small (2 users each).
    await run(
      `insert into users (id, platform, platform_user_id, guild_id, display_name)
       select u, 'discord', 'u' || u,
              case when u <= 100 then 'big' when u <= 590 then 'mid' || ((u - 101) / 10) else 'small' || ((u - 591) / 2) end,
              'user ' || u
       from generate_series(1, 1590) u`,
    );
    await run(`insert into prompts (id, normalized) values (1, 'bench')`);
    // Half the tracks in 'big', 49% across the mid servers, 1% across the small ones.
    await run(
      `create temp table src on commit drop as
       select n, case when n % 100 < 50 then 1 + n % 100
                      when n % 100 < 99 then 101 + (n / 100) % 490
                      else 591 + (n / 100) % 1000 end as user_id,
              1 + floor(random() * ${centres.length})::int as centre
       from generate_series(1, ${TRACKS}) n`,
    );
    await run(
      `insert into generations (id, user_id, prompt, prompt_id, params, seed, requested_duration_s, engine, engine_version,
         status, progress, created_at, created_day, completed_at, public_token, platform, guild_id, channel_id, reply,
         size_limit_bytes, storage_path)
       select md5(s.n::text)::uuid, s.user_id, 'bench', 1, '{}', s.n, 30, 'embedded', '1', 'completed', 1,
              now(), current_date, now(), 't' || s.n, 'discord', u.guild_id, 'c', '{}', 10485760, '/data/' || s.n || '.ogg'
       from src s join users u on u.id = s.user_id`,
    );
    // One bulk build of the GiST index instead of 100k insertions into it.
    await run(`drop index track_analyses_server_coarse_idx`);
    await run(
      `insert into track_analyses (generation_id, version, tempo_bpm, key_pc, mode, embedding, platform, guild_id)
       select md5(s.n::text)::uuid, 1, 120, 0, 'major',
              (select array_agg((${centreSql})[s.centre][d] + ${sigma} * sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random()) order by d)
               from generate_series(1, ${EMBEDDING_DIMS}) d),
              'discord', u.guild_id
       from src s join users u on u.id = s.user_id`,
    );
    await run(`create index "track_analyses_server_coarse_idx" on "track_analyses" using gist ("guild_id", "platform", "coarse") where "coarse" is not null`);
    await run('analyze');
  });
}

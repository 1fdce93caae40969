/**
 * The zod schemas of the public API: fastify validates requests and serializes responses with
 * them, and the OpenAPI document is generated from them, so the three cannot disagree. Schemas
 * with an `id` become `components.schemas` entries. Limits a field has (prompt length, duration
 * range, seed range) are the core's rules: they are described here and enforced once, in core.
 *
 * Adding a field to a track: add it to GenerationSchema and fill it in representation.ts.
 */
import { z } from 'zod';
import { GENRES, KEY_NAMES } from '../../../core/music.ts';
import { STATUS_VALUES } from '../../../core/db/entities.ts';
import { AUDIO_FORMATS, DURATION_MAX_S, DURATION_MIN_S, PROMPT_MAX_CHARS, SEED_MAX } from '../../../core/validate.ts';

export const ProblemSchema = z.object({
  type: z.string().describe('A URI naming the problem type: `urn:ditty:problem:<code>`.'),
  title: z.string().describe('Short summary of the problem type.'),
  status: z.number().int().describe('The HTTP status code.'),
  detail: z.string().describe('What went wrong and what to do, in plain words (the same sentence the chat frontends show).'),
  code: z.string().describe('Stable error code, shared with the chat frontends (core/errors.ts), e.g. `rate_limited`, `duration_invalid`.'),
  instance: z.string().optional().describe('The request path.'),
  retry_after_s: z.number().int().optional().describe('Seconds to wait before retrying (also in the Retry-After header).'),
}).meta({ id: 'Problem', description: 'An error, as RFC 9457 problem details (application/problem+json).' });

export const ParamsSchema = z.object({
  genre: z.enum(GENRES),
  bpm: z.number().int(),
  key: z.enum(KEY_NAMES),
  mode: z.enum(['major', 'minor']),
  mood: z.string().nullable(),
  instruments: z.array(z.string()),
  excluded: z.array(z.string()),
  structure: z.array(z.string()),
  seed: z.number().int(),
}).meta({ id: 'MusicParams', description: 'What the prompt was understood as, structured.' });

const nullableTime = z.iso.datetime({ offset: true }).nullable();

export const GenerationSchema = z.object({
  id: z.uuid(),
  status: z.enum(STATUS_VALUES),
  progress: z.number().min(0).max(1).describe('0..1 within rendering; 1 once encoded.'),
  queue_position: z.number().int().min(1).nullable().describe('1-based place while queued (in the render queue, or in the line for a free slot); null otherwise.'),
  waiting_for_slot: z.boolean().describe('Queued behind the API\'s render slots (served round-robin across keys).'),
  prompt: z.string(),
  understood: z.object({
    text: z.string().describe('What the prompt was understood as, in the words every frontend shows, e.g. "lo-fi hip hop · 80 bpm · A minor · piano".'),
    notes: z.string().nullable().describe('What was approximated or ignored, in plain words; null when everything was honoured.'),
    params: ParamsSchema,
  }),
  duration_s: z.number().describe('Actual length once rendered, else the requested length.'),
  requested_duration_s: z.number().int(),
  seed: z.number().int(),
  format: z.string().nullable().describe('Encoded format (opus, mp3, wav) once rendered.'),
  requested_format: z.enum(AUDIO_FORMATS).nullable(),
  engine: z.string(),
  engine_version: z.string(),
  device: z.string().nullable().describe('Where it was rendered (cpu, cuda).'),
  precision: z.string().nullable().describe('Model precision (fp32, fp16, q8) where the engine has one.'),
  realtime_factor: z.number().nullable().describe('Seconds of audio rendered per second of render time.'),
  render_ms: z.number().int().nullable(),
  size_bytes: z.number().int().nullable(),
  plays: z.number().int(),
  downloads: z.number().int(),
  favorites: z.number().int(),
  favorited: z.boolean().describe('Whether this API key has favorited it.'),
  last_played_at: nullableTime,
  creator: z.object({ name: z.string(), you: z.boolean() }),
  created_at: z.iso.datetime({ offset: true }),
  completed_at: nullableTime,
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
  expired: z.boolean().describe('Its audio was removed by the server\'s retention rules: still listed, but `links.audio` and `links.download` are null (and answer 410 `expired`).'),
  extended_from: z.uuid().nullable(),
  batch: z.object({
    id: z.uuid(),
    take: z.number().int().min(1).describe('This generation\'s take number, from 1.'),
    of: z.number().int().min(2),
    generation_ids: z.array(z.uuid()).describe('Every take of the batch, in take order.'),
  }).nullable().describe('Takes: the batch this generation belongs to; null for a lone track.'),
  links: z.object({
    self: z.string(),
    events: z.string(),
    audio: z.string().nullable().describe('Null until the audio is stored.'),
    download: z.string().nullable(),
    player: z.string().describe('The public player page (its URL carries an unguessable token: share it on purpose).'),
  }),
}).meta({ id: 'Generation', description: 'A track and everything known about it.' });

/** What the analyser measured (issue 16); null until the track is analysed (a moment after it is posted). */
export const AnalysisSchema = z.object({
  state: z.enum(['pending', 'done', 'failed']),
  tempo_bpm: z.number().nullable().describe('Measured beats per minute; null with no steady beat.'),
  key: z.string().nullable().describe('Measured key, e.g. "A minor".'),
  loudness_lufs: z.number().nullable(),
  true_peak_dbtp: z.number().nullable(),
  brightness_hz: z.number().nullable().describe('Mean spectral centroid.'),
  energy: z.number().nullable().describe('0..1 descriptor: busy, bright and loud reads high.'),
  onsets_per_s: z.number().nullable(),
  tempo_match: z.enum(['exact', 'half', 'double', 'off', 'no-beat']).nullable().describe('Against the asked tempo, 4% tolerance; half/double time counts as a match.'),
  key_match: z.enum(['exact', 'relative', 'off', 'unknown']).nullable().describe('Against the asked key; the relative key counts as a match.'),
  mismatch: z.string().nullable().describe('One sentence naming what was measured differently from the request; null when it matches.'),
}).meta({ id: 'Analysis', description: 'What was measured in the audio.' });

export const GenerationWithAnalysisSchema = GenerationSchema.extend({ analysis: AnalysisSchema })
  .meta({ id: 'GenerationWithAnalysis', description: 'A track, everything known about it, and what was measured in its audio.' });

export const SimilarSchema = z.object({
  of: z.uuid(),
  analysed: z.boolean().describe('False while the track itself is not analysed yet: try again in a moment.'),
  items: z.array(z.object({
    generation: GenerationSchema,
    distance: z.number().describe('Euclidean distance between the two descriptors; smaller is nearer.'),
    reasons: z.array(z.enum(['same key', 'relative key', 'close tempo', 'similar sound'])),
  })),
}).meta({ id: 'SimilarTracks', description: 'The nearest finished tracks the key can see, with why.' });

export const PageSchema = z.object({
  items: z.array(GenerationSchema),
  next_cursor: z.string().nullable().describe('Pass as `cursor` for the next page; null on the last page.'),
}).meta({ id: 'GenerationPage' });

export const CreateGenerationSchema = z.object({
  prompt: z.string().describe(`What to play, up to ${PROMPT_MAX_CHARS} characters, e.g. "lo-fi piano at 80 bpm".`),
  duration: z.number().int().optional().describe(`Seconds, ${DURATION_MIN_S} to the server's maximum (at most ${DURATION_MAX_S}); default DEFAULT_DURATION_S.`),
  seed: z.number().int().optional().describe(`0 to ${SEED_MAX}; the same prompt and seed give the same track. Default: random.`),
  format: z.enum(AUDIO_FORMATS).optional().describe('Audio format; default opus.'),
  takes: z.number().int().optional().describe('1 (default) to 4: several seeds of one prompt as one batch (seed, seed+1, ...), each take its own generation counted in the limits; the answer is take 1, with the batch\'s generation ids. A batch is refused whole when its takes do not all fit.'),
  callback_url: z.string().optional().describe('http(s) URL to POST the finished (or failed) generation to, signed (see the API guide). A server reachable from a network refuses private and loopback addresses unless API_WEBHOOK_ALLOW_PRIVATE is set (see the API guide).'),
}).meta({ id: 'CreateGeneration' });

export const ListQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(50).default(20),
  cursor: z.string().max(500).optional(),
  server: z.string().max(80).optional().describe('`api` (default): the API\'s own tracks. Admin keys may name any server as `platform:id` (e.g. `discord:1234`, `local:local`) or `global`.'),
});

export const PeriodSchema = z.enum(['day', 'week', 'month', 'all']);

export const StatsSchema = z.object({
  scope: z.enum(['server', 'global']),
  period: PeriodSchema,
  totals: z.object({
    generations: z.number().int(), completed: z.number().int(), failed: z.number().int(), success_rate: z.number(),
    avg_render_ms: z.number().nullable(), favorites: z.number().int(), plays: z.number().int(),
  }),
  top_tracks: z.array(z.object({ id: z.uuid(), prompt: z.string(), favorites: z.number().int(), plays: z.number().int(), creator: z.string() })),
  top_creators: z.array(z.object({ name: z.string(), generations: z.number().int(), favorites_received: z.number().int() })),
}).meta({ id: 'Stats' });

export const WorkerSchema = z.object({
  state: z.enum(['loading', 'ready', 'failed']),
  engine: z.string(),
  version: z.string().nullable(),
  device: z.string().nullable(),
  precision: z.string().nullable(),
  load_ms: z.number().nullable(),
  error: z.string().nullable(),
  since: z.string(),
}).meta({ id: 'Worker' });

export const HealthSchema = z.object({
  ok: z.boolean(),
  db: z.boolean(),
  redis: z.boolean(),
  renderers: z.number().int().describe('Render workers that reported in the last 30 s.'),
  warnings: z.array(z.string()),
}).meta({ id: 'Health' });

export const FavoriteSchema = z.object({
  favorited: z.boolean(),
  changed: z.boolean().describe('False when it already was (or was not) a favorite: PUT and DELETE are idempotent.'),
  favorites: z.number().int(),
}).meta({ id: 'Favorite' });

export const PlaySchema = z.object({
  seconds: z.number().min(0).max(86_400).optional().describe('How much was listened to.'),
}).meta({ id: 'Play' });

export const IdParamsSchema = z.object({ id: z.string().describe('The generation id (a UUID).') });

/**
 * What the web gallery reads, as one small interface: lists across every server from
 * core/db/browse.ts, leaderboards from the core's /stats, each as the core's TrackView. The gallery
 * routes take this, not the database, so a test can hand them a fake.
 */
import type { Actor, SimilarResult, Stats, StatsPeriod, TrackView } from '../../core/chat.ts';
import {
  browseCreatedBy, browseFavoritesOf, browseSearch, browseServers, browseTracks, getGeneration,
  type BrowseOrder, type BrowsePage, type BrowseUser, type ServerSummary,
} from '../../core/db/index.ts';
import type { Platform } from '../../core/jobs.ts';
import type { Runtime } from '../../core/runtime.ts';
import { toTrackView } from '../../core/track-view.ts';

export type { BrowseOrder, BrowsePage, ServerSummary };

/** A leaderboard: the core's /stats, its top tracks narrowed to those still playable, with their links. */
export interface Leaderboard {
  stats: Stats;
  tracks: TrackView[];
}

export interface GallerySource {
  list(order: BrowseOrder, page: BrowsePage): Promise<TrackView[]>;
  search(query: string, page: BrowsePage): Promise<TrackView[]>;
  createdBy(user: Actor, page: BrowsePage): Promise<TrackView[]>;
  favoritesOf(user: Actor, page: BrowsePage): Promise<TrackView[]>;
  servers(): Promise<ServerSummary[]>;
  leaderboard(platform: Platform, guildId: string, period: StatsPeriod): Promise<Leaderboard>;
  /** "More like this": the nearest playable tracks of the track's own server (core.similar); null for no such track. */
  similar(generationId: string): Promise<SimilarResult | null>;
}

/** Neighbours a "More like this" page lists. */
const SIMILAR_LIMIT = 12;

const userOf = (a: Actor): BrowseUser => ({ platform: a.platform, guildId: a.guildId, platformUserId: a.platformUserId });

export function gallerySource(runtime: Runtime): GallerySource {
  const { orm, core } = runtime;
  const publicUrl = runtime.config.http.publicUrl;
  const views = (rows: Awaited<ReturnType<typeof browseTracks>>): TrackView[] => rows.map((r) => toTrackView(r, publicUrl));
  return {
    list: async (order, page) => views(await browseTracks(orm.em.fork(), order, page)),
    search: async (query, page) => views(await browseSearch(orm.em.fork(), query, page)),
    createdBy: async (user, page) => views(await browseCreatedBy(orm.em.fork(), userOf(user), page)),
    favoritesOf: async (user, page) => views(await browseFavoritesOf(orm.em.fork(), userOf(user), page)),
    servers: async () => browseServers(orm.em.fork()),
    async leaderboard(platform, guildId, period) {
      const stats = await core.stats({ platform, guildId, scope: 'server', period, limit: 10 });
      const em = orm.em.fork();
      // /stats ranks every finished track; the gallery lists only those whose audio is still there.
      const rows = await Promise.all(stats.topTracks.map((t) => getGeneration(em, t.id)));
      const tracks = rows
        .filter((r) => r !== null && r.status === 'completed' && !r.deletedAt && !r.expiredAt)
        .map((r) => toTrackView(r!, publicUrl));
      return { stats, tracks };
    },
    async similar(generationId) {
      const track = await core.track(generationId);
      if (!track || track.status !== 'completed') return null;
      return core.similar(track.origin.platform, track.origin.guildId, track.id, SIMILAR_LIMIT);
    },
  };
}

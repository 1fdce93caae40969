import type { TrackView } from './chat.ts';
import type { GenerationRow } from './db/index.ts';

/** Links carry the unguessable public token, never the generation id or a file path. */
export function trackLinks(publicUrl: string, publicToken: string) {
  const base = `${publicUrl}/t/${publicToken}`;
  return { playerUrl: base, audioUrl: `${base}/audio`, downloadUrl: `${base}/download` };
}

export function toTrackView(row: GenerationRow, publicUrl: string): TrackView {
  return {
    id: row.id,
    expired: row.expiredAt !== null,
    prompt: row.prompt,
    params: row.params,
    status: row.status,
    progress: row.progress,
    durationS: row.actualDurationS ?? row.requestedDurationS,
    engine: row.engine,
    engineVersion: row.engineVersion,
    renderMs: row.renderMs,
    format: row.format,
    sizeBytes: row.sizeBytes,
    ...trackLinks(publicUrl, row.publicToken),
    favorites: row.favoritesCount,
    plays: row.playsCount,
    creator: { platformUserId: row.creator.platformUserId, displayName: row.creator.displayName },
    origin: { platform: row.platform, guildId: row.guildId, channelId: row.channelId },
    createdAt: new Date(row.createdAt).toISOString(),
    errorCode: row.errorCode,
    errorMessage: row.errorMessage,
    extendedFrom: row.parentId && row.parentPublicToken
      ? { id: row.parentId, playerUrl: trackLinks(publicUrl, row.parentPublicToken).playerUrl }
      : null,
    take: row.batchId && row.takeIndex !== null
      ? { batchId: row.batchId, index: row.takeIndex, of: row.batchTakes ?? row.takeIndex }
      : null,
  };
}

/** What every frontend shows in place of a player once a track's audio expired. */
export const EXPIRED_TRACK_TEXT = 'This track expired: its audio was removed by this server\'s retention rules.';
/** What a web player that cannot load its audio (file gone from the server, network down) leaves in its place. */
export const AUDIO_UNAVAILABLE_TEXT = 'This track\'s audio could not be loaded. Reload the page to try again; if it still fails, the file is gone from this server.';

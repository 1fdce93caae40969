export type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
export { createOrm, dropSchema, ensureDatabase, migrateUp, ormConfig, MIGRATIONS_DIR, type CreateOrmOptions } from './orm.ts';
export * from './entities.ts';
export * from './repo.ts';
export * from './settings.ts';
export { stats, STATS_MAX_LIMIT } from './stats.ts';
export { periodBuckets, pruneAggregates, rebuildAggregates, BUCKET_RETENTION_DAYS, GLOBAL_SCOPE, ALL_BUCKET } from './aggregates.ts';
export {
  deleteSlackInstallation, findSlackInstallation, resealSlackInstallations, saveSlackInstallation,
  type SlackInstallationInput, type SlackInstallationQuery, type SlackInstallationRow,
} from './slack-installations.ts';
export * from './turns.ts';
export * from './analyses.ts';
export * from './batches.ts';
export {
  browseCreatedBy, browseFavoritesOf, browseSearch, browseServers, browseTracks, BROWSE_MAX_OFFSET,
  type BrowseOrder, type BrowsePage, type BrowseUser, type ServerSummary,
} from './browse.ts';

/**
 * What ditty does with a command sent in a direct message, on every platform: it refuses, with
 * this sentence, privately. Tracks, favorites, /stats and settings belong to a server or
 * workspace, and a DM has none; answering the same way everywhere keeps the rule one rule.
 */
export const DM_REFUSAL =
  'ditty works in channels, not in direct messages: tracks, favorites, /stats and settings belong to a server or workspace. Use the command in a channel where ditty is.';

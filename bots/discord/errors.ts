/**
 * Classifies Discord API errors the bot reacts to, by Discord's JSON error codes
 * (https://discord.com/developers/docs/topics/opcodes-and-status-codes#json).
 */
import { DiscordAPIError, RESTJSONErrorCodes } from 'discord.js';

/** The interaction token expired or the reply it points at is gone: post in the channel instead. */
export function isTokenGone(err: unknown): boolean {
  if (!(err instanceof DiscordAPIError)) return false;
  return (
    err.status === 401 ||
    err.code === RESTJSONErrorCodes.InvalidWebhookToken ||
    err.code === RESTJSONErrorCodes.UnknownWebhook ||
    err.code === RESTJSONErrorCodes.UnknownMessage ||
    err.code === RESTJSONErrorCodes.UnknownInteraction
  );
}

/** A second delivery of the same interaction: Discord refuses the second acknowledgement. */
export function isAlreadyAcknowledged(err: unknown): boolean {
  return err instanceof DiscordAPIError && (err.code === RESTJSONErrorCodes.InteractionHasAlreadyBeenAcknowledged || err.code === RESTJSONErrorCodes.UnknownInteraction);
}

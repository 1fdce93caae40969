/**
 * Listener middleware for every slash command: in a direct message (with ditty or anyone) the
 * command is refused privately with the same sentence as on Discord (core/direct-messages.ts).
 */
import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from '@slack/bolt';
import { DM_REFUSAL } from '../../../core/direct-messages.ts';
import { noticeBlocks } from '../blocks.ts';

/** Slack names DM conversations D…, group DMs G… with channel_name "mpdm-…". */
export function isDirectMessage(command: { channel_id?: string; channel_name?: string }): boolean {
  return command.channel_name === 'directmessage' || (command.channel_name ?? '').startsWith('mpdm-') || /^D/.test(command.channel_id ?? '');
}

export async function refuseInDirectMessages({ command, ack, respond, next }: SlackCommandMiddlewareArgs & AllMiddlewareArgs): Promise<void> {
  if (!isDirectMessage(command)) return next();
  await ack();
  await respond({ response_type: 'ephemeral', replace_original: false, ...noticeBlocks(DM_REFUSAL) });
}

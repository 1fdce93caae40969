/**
 * Bytes that are not text are refused at the Slack boundary, as the web server refuses them
 * (issue 12, point 9). Bolt decodes bodies leniently: broken UTF-8, raw or percent-escaped in a
 * form field, becomes U+FFFD, so a listener can no longer tell it from a typed character. The
 * HTTP receiver therefore flags the raw body (after Bolt checked its signature), and one global
 * middleware refuses flagged requests and any parsed body holding a NUL or an unpaired surrogate
 * (JSON `\u0000` / `\ud800` escapes), on HTTP and Socket Mode alike.
 */
import type { AnyMiddlewareArgs, BufferedIncomingMessage, Middleware } from '@slack/bolt';
import type { Logger } from '../../core/log.ts';
import { hasBadText, textInvalidMessage } from '../../core/validate.ts';

/** Context key the receiver sets (Bolt copies custom properties into the listener context). */
export const TEXT_INVALID = 'dittyTextInvalid';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * True when the body is not valid UTF-8, holds a NUL, or (form-encoded) has a field whose
 * percent-escapes decode to broken UTF-8 or a NUL. Never throws: it runs inside Bolt's receiver.
 */
export function rawBodyTextInvalid(raw: Buffer, contentType: string | undefined): boolean {
  let text: string;
  try {
    text = utf8.decode(raw);
  } catch {
    return true;
  }
  if (text.includes('\u0000')) return true;
  if (!/^application\/x-www-form-urlencoded\b/i.test(contentType ?? '')) return false;
  for (const pair of text.split('&')) {
    try {
      // Strict where Bolt's querystring is lenient: a broken escape throws instead of becoming U+FFFD.
      if (decodeURIComponent(pair.replaceAll('+', ' ')).includes('\u0000')) return true;
    } catch {
      return true;
    }
  }
  return false;
}

/** The HTTP receiver's customPropertiesExtractor. */
export function textProperties(req: BufferedIncomingMessage): Record<string, boolean> {
  const type = req.headers['content-type'];
  return { [TEXT_INVALID]: rawBodyTextInvalid(req.rawBody, Array.isArray(type) ? type[0] : type) };
}

/**
 * Refuses what the receiver flagged or what holds bad text once parsed: a slash command gets
 * Slack's 200 with an ephemeral sentence, anything else is acknowledged (events are already)
 * and dropped, with one log line naming the request but not its text.
 */
export function refuseBadText(log: Logger): Middleware<AnyMiddlewareArgs> {
  return async (args) => {
    if (args.context[TEXT_INVALID] !== true && !hasBadText(args.body)) return args.next();
    const body = args.body as { command?: unknown; type?: unknown; team_id?: unknown; team?: { id?: unknown } };
    const command = typeof body.command === 'string' ? body.command : undefined;
    log.warn({ command, type: typeof body.type === 'string' ? body.type : undefined, team: body.team_id ?? body.team?.id },
      'slack request refused: a text field holds a NUL byte or is not valid UTF-8');
    if ('command' in args) await args.ack({ response_type: 'ephemeral', text: textInvalidMessage('That command') });
    else if ('ack' in args && typeof args.ack === 'function') await (args.ack as () => Promise<void>)();
  };
}

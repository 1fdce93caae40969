/**
 * Secrets at rest (Slack bot tokens and installations): AES-256-GCM with a key from the
 * environment. A sealed value is `v1.<key id>.<iv>.<tag>.<ciphertext>` (base64url), so a value
 * can name the key that sealed it: rotation puts the new key first and the old ones after
 * (SLACK_TOKEN_KEY, SLACK_TOKEN_KEY_PREVIOUS), and `npm run slack:rekey` re-seals every row.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

const PREFIX = 'v1.';

export interface SecretBox {
  seal(plaintext: string): string;
  /** The plaintext; a value that was never sealed (stored before encryption) comes back as is. */
  open(value: string): string;
  /** Id of the key new values are sealed with. */
  keyId: string;
}

export const isSealed = (value: string): boolean => value.startsWith(PREFIX);

const idOf = (key: Buffer): string => createHash('sha256').update(key).digest('base64url').slice(0, 8);

/** Parses a key as configured: 32 bytes, base64 or base64url (`openssl rand -base64 32`). */
export function parseKey(text: string): Buffer | null {
  const key = Buffer.from(text.trim(), 'base64');
  return key.length === 32 ? key : null;
}

/** `keys[0]` seals; every key opens. */
export function createSecretBox(keys: readonly Buffer[]): SecretBox {
  if (keys.length === 0 || keys.some((k) => k.length !== 32)) throw new Error('SecretBox needs 32-byte keys');
  const byId = new Map(keys.map((k) => [idOf(k), k]));
  const current = keys[0]!;
  const keyId = idOf(current);
  return {
    keyId,
    seal(plaintext) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', current, iv);
      const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return `${PREFIX}${keyId}.${iv.toString('base64url')}.${cipher.getAuthTag().toString('base64url')}.${ct.toString('base64url')}`;
    },
    open(value) {
      if (!isSealed(value)) return value;
      const [, id, iv, tag, ct] = value.split('.');
      const key = id ? byId.get(id) : undefined;
      // Never the value in the message: it is a secret.
      if (!key || !iv || !tag || ct === undefined) throw new Error(`A stored secret was sealed with key ${id ?? '?'}, which is not configured (SLACK_TOKEN_KEY / SLACK_TOKEN_KEY_PREVIOUS)`);
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(ct, 'base64url')), decipher.final()]).toString('utf8');
    },
  };
}

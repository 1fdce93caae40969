/**
 * Admin access for /admin/* and, off loopback, /metrics: the ADMIN_TOKEN as a bearer token
 * (scripts, Prometheus) or as the password of HTTP Basic auth (a browser opening the queue
 * dashboard gets its own login prompt). Compared in constant time.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

/** The token the request presents, from `Bearer <token>` or Basic `<any user>:<token>`. */
function presented(header: string | undefined): string | null {
  if (!header) return null;
  const [scheme, value = ''] = header.split(' ', 2);
  if (scheme?.toLowerCase() === 'bearer') return value;
  if (scheme?.toLowerCase() === 'basic') {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return colon >= 0 ? decoded.slice(colon + 1) : null;
  }
  return null;
}

export function isAdmin(req: FastifyRequest, adminToken: string): boolean {
  const given = presented(req.headers.authorization);
  // Hashing first gives equal lengths, so timingSafeEqual never leaks the token's length.
  return given !== null && timingSafeEqual(digest(given), digest(adminToken));
}

/** A preHandler that answers 401 (with a Basic challenge, so browsers ask) unless the request is an admin's. */
export function requireAdmin(adminToken: string) {
  return async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
    if (isAdmin(req, adminToken)) return;
    req.log.info({ route: req.routeOptions.url }, 'admin request refused');
    await reply.code(401).header('www-authenticate', 'Basic realm="ditty admin", charset="UTF-8"').header('cache-control', 'no-store')
      .send({ error: 'unauthorized', message: 'Admin only: send the ADMIN_TOKEN as a bearer token or as the Basic auth password.' });
  };
}

/**
 * Checks HTTP responses against the OpenAPI document the server itself serves, as an outside
 * client would: the operation must exist for the path and method, the status must be declared
 * (exactly, as 4XX/5XX, or default), the content type must be one the response declares, and a
 * JSON body must validate against its schema (ajv, JSON Schema 2020-12 as OpenAPI 3.1 uses).
 * Records which operations and statuses were seen, so a test can require every one exercised.
 */
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

type Json = Record<string, unknown>;

export interface Contract {
  doc: Json;
  /** fetch, then check the response; the body comes back parsed (JSON) or as text. */
  call(path: string, init?: RequestInit & { key?: string }): Promise<{ res: Response; body: unknown; text: string }>;
  /** Checks a response already fetched (its body given as text). */
  check(method: string, path: string, res: Response, text: string): unknown;
  /** "METHOD /template" of every operation in the document never called. */
  untested(): string[];
  /** Every "METHOD /template status" seen. */
  seen: Set<string>;
}

function escapePointer(s: string): string {
  return s.replace(/~/g, '~0').replace(/\//g, '~1');
}

export async function loadContract(baseUrl: string): Promise<Contract> {
  const docRes = await fetch(`${baseUrl}/api/v1/openapi.json`);
  if (docRes.status !== 200) throw new Error(`openapi.json answered ${docRes.status}`);
  const doc = (await docRes.json()) as Json;
  if (doc.openapi !== '3.1.0') throw new Error(`not OpenAPI 3.1: ${String(doc.openapi)}`);
  // OpenAPI keywords (example, discriminator, xml) are not JSON Schema: not strict.
  const ajv = new Ajv2020.default({ strict: false, allErrors: true, validateFormats: true });
  addFormats.default(ajv);
  ajv.addFormat('binary', true);
  ajv.addSchema(doc, 'openapi.json');
  const paths = doc.paths as Record<string, Record<string, Json>>;
  const templates = Object.keys(paths).map((t) => ({ t, re: new RegExp(`^${t.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\?\{[^}]+\\?\}/g, '[^/]+').replace(/\{[^}]+\}/g, '[^/]+')}$`) }));
  const seen = new Set<string>();
  const called = new Set<string>();

  function check(method: string, path: string, res: Response, text: string): unknown {
    const pathname = new URL(path, baseUrl).pathname;
    const m = method.toLowerCase();
    const match = templates.find(({ re }) => re.test(pathname));
    if (!match) {
      // Not in the document: it must be the API's 404, itself a documented Problem.
      if (res.status !== 404) throw new Error(`${method} ${pathname}: no such path in the OpenAPI document, yet it answered ${res.status}`);
      const validate = ajv.getSchema('openapi.json#/components/schemas/Problem')!;
      const body = JSON.parse(text) as unknown;
      if (!validate(body)) throw new Error(`${method} ${pathname} 404: not a Problem: ${ajv.errorsText(validate.errors)}`);
      return body;
    }
    const op = paths[match.t]![m];
    if (!op) throw new Error(`${method} ${match.t}: no such operation in the OpenAPI document`);
    called.add(`${method.toUpperCase()} ${match.t}`);
    const responses = op.responses as Record<string, Json>;
    const status = String(res.status);
    const key = [status, `${status[0]}XX`, 'default'].find((k) => responses[k]);
    if (!key) throw new Error(`${method} ${match.t} answered ${status}, which the document does not declare (${Object.keys(responses).join(', ')})`);
    seen.add(`${method.toUpperCase()} ${match.t} ${status}`);
    const declared = responses[key]!.content as Record<string, { schema?: Json }> | undefined;
    if (!declared || text.length === 0) {
      if (text.length > 0 && res.status !== 304) throw new Error(`${method} ${match.t} ${status}: a body the document does not declare`);
      return undefined;
    }
    const type = (res.headers.get('content-type') ?? '').split(';')[0]!.trim();
    if (!declared[type]) throw new Error(`${method} ${match.t} ${status}: content type ${type} not declared (${Object.keys(declared).join(', ')})`);
    if (!type.endsWith('json')) return text;
    const body = JSON.parse(text) as unknown;
    const pointer = `openapi.json#/paths/${escapePointer(match.t)}/${m}/responses/${key}/content/${escapePointer(type)}/schema`;
    const validate = ajv.getSchema(pointer);
    if (!validate) throw new Error(`no schema at ${pointer}`);
    if (!validate(body)) {
      throw new Error(`${method} ${match.t} ${status}: body does not match the document: ${ajv.errorsText(validate.errors)}\n${text.slice(0, 500)}`);
    }
    return body;
  }

  return {
    doc,
    seen,
    check,
    async call(path, init = {}) {
      const { key, ...rest } = init;
      const headers = new Headers(rest.headers);
      if (key) headers.set('authorization', `Bearer ${key}`);
      if (typeof rest.body === 'string' && !headers.has('content-type')) headers.set('content-type', 'application/json');
      const res = await fetch(new URL(path, baseUrl), { ...rest, headers });
      const text = await res.text();
      const body = check(rest.method ?? 'GET', path, res, text);
      return { res, body, text };
    },
    untested() {
      const all: string[] = [];
      for (const [t, ops] of Object.entries(paths)) for (const m of Object.keys(ops)) all.push(`${m.toUpperCase()} ${t}`);
      return all.filter((op) => !called.has(op));
    },
  };
}

/**
 * The Grafana dashboard, the alert rules and docs/deploy.md name only metrics that exist: a
 * renamed metric would otherwise leave an empty panel or an alert that never fires.
 */
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { registry } from '../../core/metrics.ts';

const doc = (path: string) => readFile(new URL(`../../docs/${path}`, import.meta.url), 'utf8');
const SUFFIXES = /_(bucket|count|sum)$/;

describe('metrics named in docs', () => {
  it('GIVEN the dashboard, the alerts and deploy.md THEN every ditty_ metric they name is registered', async () => {
    const known = new Set((await registry.getMetricsAsJSON()).map((m) => m.name));
    const texts = await Promise.all(['grafana/ditty-dashboard.json', 'grafana/ditty-alerts.yml', 'deploy.md'].map(doc));
    const named = new Set(texts.flatMap((t) => t.match(/\bditty_[a-z_]+[a-z]\b/g) ?? []).map((n) => n.replace(SUFFIXES, '')));
    // Prefix families written with a wildcard in prose; the compose volume name.
    for (const n of ['ditty_process', 'ditty_nodejs', 'ditty_tracks']) named.delete(n);
    const unknown = [...named].filter((n) => !known.has(n));
    expect(named.size).toBeGreaterThan(10);
    expect(unknown).toEqual([]);
  });
});

/** Picks the engine the configuration names. Loaded lazily so a thread only pays for its own. */
import type { Engine } from '../../core/engine.ts';

export interface EngineSpec {
  name: 'embedded' | 'musicgen';
  device: 'cpu' | 'cuda';
  musicgenDir?: string;
}

export async function createEngine(spec: EngineSpec): Promise<Engine> {
  switch (spec.name) {
    case 'embedded': {
      const { createEmbeddedEngine } = await import('./embedded/index.ts');
      return createEmbeddedEngine({ device: spec.device });
    }
    case 'musicgen': {
      if (!spec.musicgenDir) throw new Error('MUSICGEN_DIR is required when ENGINE=musicgen');
      const { createMusicgenEngine } = await import('./musicgen/index.ts');
      return createMusicgenEngine({ dir: spec.musicgenDir, device: spec.device });
    }
  }
}

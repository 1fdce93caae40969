/** Picks the engine the configuration names. Loaded lazily so a thread only pays for its own. */
import type { Engine } from '../../core/engine.ts';

export interface EngineSpec {
  name: 'embedded' | 'musicgen';
  device: 'auto' | 'cpu' | 'cuda';
  modelDir?: string;
  precision?: 'fp32' | 'fp16' | 'q8';
}

export async function createEngine(spec: EngineSpec): Promise<Engine> {
  switch (spec.name) {
    case 'embedded': {
      const { createEmbeddedEngine } = await import('./embedded/index.ts');
      // The embedded graph is small enough that CPU is the sane choice unless CUDA is asked for.
      return createEmbeddedEngine({ device: spec.device === 'cuda' ? 'cuda' : 'cpu' });
    }
    case 'musicgen': {
      if (!spec.modelDir) throw new Error('MODEL_DIR is required when ENGINE=musicgen');
      const { createMusicgenEngine } = await import('./musicgen/index.ts');
      return createMusicgenEngine({ dir: spec.modelDir, device: spec.device, precision: spec.precision });
    }
  }
}

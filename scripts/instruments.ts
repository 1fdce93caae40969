/**
 * Decodes the sampled instruments' SoundFont once into the cache the engine reads at start-up
 * (scripts/setup.sh runs this; the engine would otherwise do it at its first load, ~1-3 s).
 * Prints what is installed and how big it is.
 */
import { statSync } from 'node:fs';
import { sampledPatches } from '../worker/engines/embedded/sampler.ts';
import { DEFAULT_CACHE_DIR, loadInstrumentBank, SOUNDFONT_PATH } from '../worker/engines/embedded/soundfont.ts';

const bank = await loadInstrumentBank(sampledPatches());
const mib = (b: number) => `${(b / 2 ** 20).toFixed(1)} MiB`;
process.stdout.write(
  `instruments: ${SOUNDFONT_PATH.split('/').pop()} (${mib(statSync(SOUNDFONT_PATH).size)}); ` +
    `${bank.source === 'cache' ? 'cached' : 'decoded'} ${(bank.frames / 1e6).toFixed(1)} M frames in ${bank.loadMs.toFixed(0)} ms; ` +
    `cache ${bank.cacheBytes ? `${mib(bank.cacheBytes)} in ${DEFAULT_CACHE_DIR}` : 'not writable (decoded at each start)'}\n`,
);

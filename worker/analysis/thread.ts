/**
 * Runs in the analysis thread (piscina): the analysis is a few tens of milliseconds of pure
 * computation per track, kept off the worker's main loop so BullMQ's lock renewal never waits.
 */
import { analyse, type PcmInput } from './analyse.ts';
import type { TrackAnalysis } from '../../core/analysis.ts';

export default function run(input: PcmInput): TrackAnalysis {
  return analyse(input);
}

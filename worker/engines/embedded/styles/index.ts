/** Every style the engine plays, by genre id. */
import type { Genre } from '../../../../core/music.ts';
import type { Style } from '../presets.ts';
import { BAND } from './band.ts';
import { CLASSICAL } from './classical.ts';
import { ELECTRONIC } from './electronic.ts';
import { HIPHOP } from './hiphop.ts';
import { WORLD } from './world.ts';

export const STYLES: Record<Genre, Style> = { ...ELECTRONIC, ...HIPHOP, ...BAND, ...WORLD, ...CLASSICAL };

/** Genre facts the prompt parser and the chat need: names people type, tempo and mode defaults. */
import type { Genre, Mode } from '../music.ts';

export interface GenreInfo {
  label: string;
  bpm: number;
  /** The default tempo varies by up to this much with the seed, so tracks are not all alike. */
  bpmSpread: number;
  mode: Mode;
  /** Instruments shown to the user when the prompt names none. */
  instruments: string[];
  /** Phrases that name the genre, most specific first (matched on normalized text: lower case,
   * hyphens as spaces, so "k-pop" is "k pop"). The earliest phrase in the prompt wins, the longer
   * one at the same place ("pop punk" over "pop"). */
  words: string[];
}

export const GENRE_INFO: Record<Genre, GenreInfo> = {
  lofi: {
    label: 'lo-fi hip hop', bpm: 80, bpmSpread: 5, mode: 'minor', instruments: ['electric piano', 'flute', 'bass', 'drums'],
    words: ['lo fi', 'lofi', 'lofi hip hop', 'chillhop', 'chill hop', 'study beats', 'beats to study', 'jazzhop', 'jazzy hip hop'],
  },
  trap: { label: 'trap', bpm: 140, bpmSpread: 4, mode: 'minor', instruments: ['808', 'bells', 'pads', 'drums'], words: ['trap', 'trap beat'] },
  house: {
    label: 'house', bpm: 124, bpmSpread: 3, mode: 'minor', instruments: ['organ', 'bass', 'pads', 'drums'],
    words: ['deep house', 'tech house', 'house', 'progressive house', 'future house'],
  },
  techno: { label: 'techno', bpm: 130, bpmSpread: 4, mode: 'minor', instruments: ['acid bass', 'synth', 'drums'], words: ['techno', 'rave', 'acid', 'minimal techno'] },
  ambient: {
    label: 'ambient', bpm: 70, bpmSpread: 6, mode: 'major', instruments: ['pads', 'strings', 'bells'],
    words: ['ambient', 'drone', 'soundscape', 'meditation', 'atmospheric', 'new age'],
  },
  rock: {
    label: 'rock', bpm: 120, bpmSpread: 6, mode: 'major', instruments: ['guitar', 'bass', 'drums'],
    words: ['rock', 'grunge', 'hard rock', 'classic rock', 'alternative rock', 'alt rock', 'rock and roll', 'rock n roll'],
  },
  jazz: {
    label: 'jazz', bpm: 126, bpmSpread: 8, mode: 'major', instruments: ['piano', 'bass', 'sax', 'drums'],
    words: ['jazz', 'bebop', 'swing', 'big band', 'jazz trio', 'smooth jazz'],
  },
  piano: {
    label: 'classical piano', bpm: 76, bpmSpread: 6, mode: 'major', instruments: ['piano'],
    words: ['solo piano', 'piano solo', 'piano only', 'just piano', 'piano ballad', 'only piano', 'classical piano', 'classical', 'nocturne', 'sonata', 'etude', 'prelude'],
  },
  dnb: {
    label: 'drum and bass', bpm: 172, bpmSpread: 3, mode: 'minor', instruments: ['bass', 'pads', 'synth', 'drums'],
    words: ['drum and bass', 'drum n bass', 'drum & bass', 'drum&bass', 'drumnbass', 'dnb', 'd&b', 'jungle', 'liquid funk', 'liquid dnb'],
  },
  cinematic: {
    label: 'cinematic orchestral', bpm: 96, bpmSpread: 6, mode: 'minor', instruments: ['strings', 'brass', 'drums'],
    words: ['cinematic', 'orchestral', 'orchestra', 'film score', 'soundtrack', 'trailer', 'symphonic', 'movie score', 'epic score'],
  },
  pop: { label: 'pop', bpm: 112, bpmSpread: 6, mode: 'major', instruments: ['piano', 'synth', 'bass', 'drums'], words: ['synthpop', 'synth pop', 'pop', 'pop song', 'electropop'] },
  metal: {
    label: 'metal', bpm: 140, bpmSpread: 10, mode: 'minor', instruments: ['distorted guitar', 'bass', 'drums'],
    words: ['heavy metal', 'metal', 'metalcore', 'thrash', 'thrash metal', 'death metal', 'black metal', 'djent', 'power metal', 'nu metal'],
  },
  punk: {
    label: 'punk', bpm: 160, bpmSpread: 6, mode: 'major', instruments: ['distorted guitar', 'bass', 'drums'],
    words: ['punk', 'punk rock', 'pop punk', 'hardcore punk', 'skate punk'],
  },
  indie: {
    label: 'indie', bpm: 118, bpmSpread: 8, mode: 'major', instruments: ['guitar', 'bass', 'synth', 'drums'],
    words: ['indie', 'indie rock', 'indie pop', 'indie folk', 'shoegaze', 'dream pop', 'bedroom pop'],
  },
  funk: {
    label: 'funk', bpm: 106, bpmSpread: 6, mode: 'minor', instruments: ['slap bass', 'guitar', 'brass', 'drums'],
    words: ['funk', 'funky', 'p funk', 'g funk'],
  },
  disco: {
    label: 'disco', bpm: 118, bpmSpread: 4, mode: 'minor', instruments: ['bass', 'guitar', 'strings', 'drums'],
    words: ['disco', 'nu disco', 'italo disco', 'boogie'],
  },
  soul: {
    label: 'soul / R&B', bpm: 88, bpmSpread: 8, mode: 'major', instruments: ['electric piano', 'bass', 'strings', 'drums'],
    words: ['soul', 'neo soul', 'r&b', 'rnb', 'rhythm and blues', 'motown'],
  },
  gospel: {
    label: 'gospel', bpm: 78, bpmSpread: 8, mode: 'major', instruments: ['organ', 'piano', 'choir', 'drums'],
    words: ['gospel', 'church', 'hymn', 'praise'],
  },
  blues: {
    label: 'blues', bpm: 84, bpmSpread: 10, mode: 'major', instruments: ['guitar', 'piano', 'bass', 'drums'],
    words: ['blues', 'delta blues', 'chicago blues', '12 bar blues', 'twelve bar blues', 'boogie woogie'],
  },
  bossa: {
    label: 'bossa nova', bpm: 128, bpmSpread: 8, mode: 'major', instruments: ['nylon guitar', 'bass', 'flute', 'drums'],
    words: ['bossa nova', 'bossanova', 'bossa', 'brazilian jazz'],
  },
  samba: {
    label: 'samba', bpm: 100, bpmSpread: 6, mode: 'major', instruments: ['guitar', 'percussion', 'brass', 'bass'],
    words: ['samba', 'batucada', 'carnival', 'carnaval', 'pagode'],
  },
  salsa: {
    label: 'latin / salsa', bpm: 96, bpmSpread: 6, mode: 'minor', instruments: ['piano', 'brass', 'bass', 'congas', 'clave'],
    words: ['salsa', 'latin', 'mambo', 'son cubano', 'cuban', 'cha cha', 'timba', 'latin jazz'],
  },
  reggaeton: {
    label: 'reggaeton', bpm: 94, bpmSpread: 4, mode: 'minor', instruments: ['808', 'synth', 'drums'],
    words: ['reggaeton', 'reggaetón', 'dembow', 'perreo', 'latin trap', 'urbano'],
  },
  reggae: {
    label: 'reggae / dancehall', bpm: 76, bpmSpread: 6, mode: 'major', instruments: ['organ', 'guitar', 'bass', 'drums'],
    words: ['reggae', 'dancehall', 'dub', 'roots reggae', 'ska', 'rocksteady', 'one drop'],
  },
  afrobeat: {
    label: 'afrobeat', bpm: 108, bpmSpread: 6, mode: 'minor', instruments: ['guitar', 'brass', 'bass', 'percussion', 'drums'],
    words: ['afrobeat', 'afrobeats', 'afro beat', 'afro', 'amapiano', 'highlife'],
  },
  country: {
    label: 'country', bpm: 108, bpmSpread: 10, mode: 'major', instruments: ['steel guitar', 'banjo', 'fiddle', 'bass', 'drums'],
    words: ['country', 'bluegrass', 'americana', 'honky tonk', 'western', 'cowboy'],
  },
  folk: {
    label: 'folk', bpm: 96, bpmSpread: 10, mode: 'major', instruments: ['acoustic guitar', 'violin', 'bass'],
    words: ['folk', 'acoustic', 'singer songwriter', 'campfire', 'folk song'],
  },
  celtic: {
    label: 'celtic', bpm: 112, bpmSpread: 8, mode: 'major', instruments: ['tin whistle', 'fiddle', 'guitar', 'drum'],
    words: ['celtic', 'irish', 'scottish', 'jig', 'reel', 'highland', 'bagpipes', 'tavern'],
  },
  shanty: {
    label: 'sea shanty', bpm: 100, bpmSpread: 6, mode: 'minor', instruments: ['accordion', 'fiddle', 'choir', 'drum'],
    words: ['sea shanty', 'shanty', 'sea shanties', 'shanties', 'pirate', 'pirates', 'sailor song'],
  },
  lullaby: {
    label: 'lullaby', bpm: 66, bpmSpread: 6, mode: 'major', instruments: ['music box', 'piano', 'strings'],
    words: ['lullaby', 'lullabies', 'cradle song', 'bedtime', 'nursery rhyme', 'sleep music', 'music box'],
  },
  chiptune: {
    label: 'chiptune (8-bit)', bpm: 140, bpmSpread: 10, mode: 'major', instruments: ['square lead', 'bass', 'noise drums'],
    words: ['chiptune', 'chip tune', '8 bit', '8bit', '16 bit', 'nes', 'gameboy', 'game boy'],
  },
  synthwave: {
    label: 'synthwave', bpm: 100, bpmSpread: 8, mode: 'minor', instruments: ['synth bass', 'pads', 'synth', 'drums'],
    words: ['synthwave', 'retrowave', 'outrun', 'vaporwave', 'darksynth', '80s synth', 'retro synth'],
  },
  trance: {
    label: 'trance', bpm: 138, bpmSpread: 3, mode: 'minor', instruments: ['synth', 'pads', 'bass', 'drums'],
    words: ['trance', 'uplifting trance', 'psytrance', 'psy trance', 'goa', 'progressive trance'],
  },
  dubstep: {
    label: 'dubstep', bpm: 140, bpmSpread: 2, mode: 'minor', instruments: ['wobble bass', 'synth', 'drums'],
    words: ['dubstep', 'brostep', 'riddim', 'wobble'],
  },
  garage: {
    label: 'UK garage', bpm: 132, bpmSpread: 2, mode: 'minor', instruments: ['organ', 'bass', 'pads', 'drums'],
    words: ['uk garage', 'garage', 'ukg', '2 step', 'two step', '2step', 'speed garage'],
  },
  drill: {
    label: 'drill', bpm: 142, bpmSpread: 3, mode: 'minor', instruments: ['808', 'piano', 'strings', 'drums'],
    words: ['drill', 'uk drill', 'ny drill', 'chicago drill'],
  },
  boombap: {
    label: 'boom bap hip hop', bpm: 90, bpmSpread: 4, mode: 'minor', instruments: ['piano', 'bass', 'drums'],
    words: ['boom bap', 'boombap', 'hip hop', 'hiphop', 'rap', 'rap beat', 'old school hip hop', '90s hip hop'],
  },
  kpop: {
    label: 'k-pop', bpm: 120, bpmSpread: 8, mode: 'minor', instruments: ['synth', 'bass', 'piano', 'drums'],
    words: ['kpop', 'k pop', 'j pop', 'jpop', 'idol pop'],
  },
  videogame: {
    label: 'video game', bpm: 128, bpmSpread: 10, mode: 'major', instruments: ['synth', 'bells', 'bass', 'drums'],
    words: ['video game', 'videogame', 'game music', 'vgm', 'rpg', 'boss battle', 'boss fight', 'level music', 'arcade', 'platformer'],
  },
};

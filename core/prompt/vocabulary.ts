/**
 * Words the prompt parser knows beyond the styles' own names (core/prompt/genres.ts): style words
 * in other languages and emoji, and words for styles and instruments the engine does not have,
 * each with the nearest thing it does have. Data only; parse.ts reads it.
 *
 * Targets are style ids as strings: a target that is not (yet) in GENRES is skipped by the parser,
 * so this table may name styles before they land.
 */

/** Emoji read as words before the text is normalized (normalizing drops symbols). */
export const EMOJI_WORDS: Array<[string, string]> = [
  ['🎹', 'piano'], ['🎸', 'rock'], ['🎷', 'jazz'], ['🤘', 'metal'], ['🌊', 'ambient'], ['🎻', 'strings'],
  ['🥁', 'drums'], ['🎺', 'trumpet'], ['🪕', 'banjo'], ['🪗', 'accordion'], ['🎼', 'orchestral'], ['🎮', 'video game'],
  ['👾', 'chiptune'], ['🕹', 'chiptune'], ['🤠', 'country'], ['🏴‍☠️', 'sea shanty'], ['☠', 'sea shanty'], ['🌴', 'reggae'],
  ['🪩', 'disco'], ['💃', 'salsa'], ['🕺', 'disco'], ['😴', 'lullaby'], ['💤', 'lullaby'], ['🍼', 'lullaby'], ['🌙', 'dreamy'],
  ['🌧', 'sad'], ['😢', 'sad'], ['😭', 'sad'], ['💔', 'sad'], ['😊', 'happy'], ['😄', 'happy'], ['☀', 'happy'], ['🎉', 'happy'],
  ['❤', 'romantic'], ['💕', 'romantic'], ['😍', 'romantic'], ['🔥', 'energetic'], ['⚡', 'energetic'], ['🌌', 'ambient'],
  ['🚀', 'synthwave'], ['🌆', 'synthwave'], ['🎤', 'vocals'], ['🎬', 'cinematic'], ['☕', 'lofi'], ['🏝', 'bossa nova'],
];

/**
 * Style words that name a style we have, in other languages and spellings: phrase → style id.
 * Phrases in scripts without spaces (Japanese, Chinese) match anywhere in the text.
 */
export const STYLE_ALIASES: Array<[string, string]> = [
  // Japanese
  ['ロック', 'rock'], ['ジャズ', 'jazz'], ['ピアノ', 'piano'], ['子守唄', 'lullaby'], ['子守歌', 'lullaby'], ['ボサノバ', 'bossa'],
  ['ボサノヴァ', 'bossa'], ['サンバ', 'samba'], ['フォーク', 'folk'], ['メタル', 'metal'], ['パンク', 'punk'], ['テクノ', 'techno'],
  ['ハウス', 'house'], ['レゲエ', 'reggae'], ['アンビエント', 'ambient'], ['ヒップホップ', 'boombap'], ['ローファイ', 'lofi'],
  ['クラシック', 'piano'], ['ポップ', 'pop'], ['ブルース', 'blues'], ['ファンク', 'funk'], ['ディスコ', 'disco'], ['ゴスペル', 'gospel'],
  ['カントリー', 'country'], ['トランス', 'trance'], ['ゲーム音楽', 'videogame'], ['チップチューン', 'chiptune'], ['映画音楽', 'cinematic'],
  ['オーケストラ', 'cinematic'], ['シンセウェーブ', 'synthwave'], ['ケルト', 'celtic'],
  // Chinese and Korean
  ['摇滚', 'rock'], ['爵士', 'jazz'], ['钢琴', 'piano'], ['摇篮曲', 'lullaby'], ['민요', 'folk'], ['자장가', 'lullaby'], ['재즈', 'jazz'], ['록', 'rock'],
  ['케이팝', 'kpop'],
  // Spanish, Portuguese
  ['canción de cuna', 'lullaby'], ['cancion de cuna', 'lullaby'], ['canção de ninar', 'lullaby'], ['cancao de ninar', 'lullaby'],
  ['acalanto', 'lullaby'], ['música clásica', 'piano'], ['musica clasica', 'piano'], ['música clássica', 'piano'], ['musica classica', 'piano'],
  ['música folclórica', 'folk'], ['folclore', 'folk'], ['música celta', 'celtic'], ['música country', 'country'], ['rock and roll', 'rock'],
  ['roquero', 'rock'], ['bossa nova', 'bossa'], ['bossanova', 'bossa'], ['música de videojuegos', 'videogame'], ['trilha sonora', 'cinematic'],
  ['banda sonora', 'cinematic'], ['música de película', 'cinematic'], ['villancico', 'folk'],
  // French
  ['berceuse', 'lullaby'], ['musique classique', 'piano'], ['musique de film', 'cinematic'], ['chanson de marin', 'shanty'],
  ['musique celtique', 'celtic'], ['musique folk', 'folk'], ['chanson folklorique', 'folk'], ['musique de jeu vidéo', 'videogame'],
  // German
  ['wiegenlied', 'lullaby'], ['schlaflied', 'lullaby'], ['gutenachtlied', 'lullaby'], ['klassische musik', 'piano'], ['klassik', 'piano'],
  ['volksmusik', 'folk'], ['volkslied', 'folk'], ['seemannslied', 'shanty'], ['filmmusik', 'cinematic'], ['keltische musik', 'celtic'],
  ['videospielmusik', 'videogame'],
  // English words the style tables may not carry
  ['heavy metal', 'metal'], ['classical piano', 'piano'], ['classical', 'piano'], ['8 bit', 'chiptune'], ['8bit', 'chiptune'],
  ['chip tune', 'chiptune'], ['sea shanty', 'shanty'], ['shanty', 'shanty'], ['video game', 'videogame'], ['videogame', 'videogame'],
  ['lullaby', 'lullaby'], ['bossa', 'bossa'], ['k pop', 'kpop'], ['kpop', 'kpop'], ['boom bap', 'boombap'], ['uk garage', 'garage'],
  ['hip hop', 'boombap'], ['r&b', 'soul'], ['rnb', 'soul'], ['dancehall', 'reggae'], ['afrobeats', 'afrobeat'], ['celtic', 'celtic'],
  ['irish', 'celtic'], ['orchestral', 'cinematic'], ['orchestra', 'cinematic'],
];

/**
 * Styles we do not have, with the nearest one we do: phrase → style id. The reply says which
 * style was played instead ("Played as reggae: I don't know ska yet."). This table wins over a
 * style's own words (genres.ts lists "ska" under reggae as the style to play for it).
 */
export const NEAREST_STYLES: Array<[string, string]> = [
  ['grunge', 'rock'], ['rockabilly', 'rock'], ['surf rock', 'rock'], ['shoegaze', 'indie'], ['post rock', 'indie'], ['britpop', 'indie'],
  ['emo', 'punk'], ['hardcore', 'punk'], ['ska', 'reggae'], ['soca', 'reggae'], ['calypso', 'reggae'], ['zouk', 'reggaeton'],
  ['moombahton', 'reggaeton'], ['polka', 'folk'], ['flamenco', 'folk'], ['fado', 'folk'], ['mariachi', 'folk'], ['klezmer', 'folk'],
  ['enka', 'folk'], ['bluegrass', 'country'], ['americana', 'country'], ['opera', 'cinematic'], ['symphony', 'cinematic'],
  ['musical theatre', 'cinematic'], ['broadway', 'cinematic'], ['baroque', 'piano'], ['ragtime', 'piano'], ['waltz', 'piano'], ['walzer', 'piano'], ['valse', 'piano'], ['vals', 'piano'],
  ['bachata', 'salsa'], ['merengue', 'salsa'], ['cumbia', 'salsa'], ['tango', 'salsa'], ['forró', 'samba'], ['forro', 'samba'],
  ['axé', 'samba'], ['mpb', 'bossa'], ['amapiano', 'afrobeat'], ['highlife', 'afrobeat'], ['doo wop', 'soul'], ['lounge', 'jazz'],
  ['trip hop', 'lofi'], ['chillwave', 'lofi'], ['vaporwave', 'synthwave'], ['city pop', 'funk'], ['j pop', 'kpop'], ['jpop', 'kpop'],
  ['hyperpop', 'pop'], ['schlager', 'pop'], ['bollywood', 'pop'], ['eurodance', 'trance'], ['hardstyle', 'techno'], ['gabber', 'techno'],
  ['industrial', 'techno'], ['edm', 'house'], ['electro', 'house'], ['big room', 'house'], ['future bass', 'dubstep'],
  ['breakbeat', 'dnb'], ['breakcore', 'dnb'], ['grime', 'garage'], ['phonk', 'trap'], ['cloud rap', 'trap'], ['gregorian', 'ambient'],
  // "acid" alone is techno's word; acid jazz is jazz-funk, nothing like a 303 (it played techno, silently)
  ['acid jazz', 'jazz'], ['electronic music', 'house'], ['electronica', 'house'], ['dance music', 'house'], ['requiem', 'cinematic'], ['marching band', 'cinematic'],
  ['military march', 'cinematic'], ['gamelan', 'ambient'], ['zydeco', 'folk'], ['cajun', 'folk'], ['barbershop', 'gospel'],
];

/** Instrument words in other languages → the parser's instrument names (see parse.ts INSTRUMENTS). */
export const INSTRUMENT_ALIASES: Array<[string, string]> = [
  ['klavier', 'piano'], ['flügel', 'piano'], ['pianoforte', 'piano'], ['ピアノ', 'piano'], ['钢琴', 'piano'],
  ['guitarra', 'guitar'], ['gitarre', 'guitar'], ['guitare', 'guitar'], ['ギター', 'guitar'], ['violon', 'violin'], ['violín', 'violin'],
  ['violino', 'violin'], ['geige', 'violin'], ['batería', 'drums'], ['bateria', 'drums'], ['schlagzeug', 'drums'], ['batterie', 'drums'],
  ['flauta', 'flute'], ['flöte', 'flute'], ['flûte', 'flute'], ['trompeta', 'trumpet'], ['trompete', 'trumpet'], ['trompette', 'trumpet'],
  ['órgano', 'organ'], ['orgel', 'organ'], ['orgue', 'organ'], ['saxofón', 'sax'], ['saxophon', 'sax'], ['arpa', 'harp'], ['harfe', 'harp'],
  ['harpe', 'harp'], ['coro', 'choir'], ['chor', 'choir'], ['chœur', 'choir'], ['choeur', 'choir'], ['acordeón', 'accordion'],
  ['akkordeon', 'accordion'], ['accordéon', 'accordion'], ['violonchelo', 'cello'], ['violoncelle', 'cello'], ['gaita', 'bagpipes'],
];

/** Instruments we cannot play, with the nearest we can: phrase → instrument name. */
export const NEAREST_INSTRUMENTS: Array<[string, string]> = [
  ['theremin', 'synth'], ['ondes martenot', 'synth'], ['koto', 'harp'], ['guzheng', 'harp'], ['zither', 'harp'], ['lyre', 'harp'],
  ['shamisen', 'banjo'], ['ukulele', 'nylon guitar'], ['mandolin', 'acoustic guitar'], ['bouzouki', 'acoustic guitar'],
  ['oud', 'nylon guitar'], ['lute', 'nylon guitar'], ['erhu', 'violin'], ['tuba', 'trombone'], ['oboe', 'clarinet'], ['bassoon', 'clarinet'],
  ['piccolo', 'flute'], ['recorder', 'tin whistle'], ['ocarina', 'flute'], ['shakuhachi', 'flute'], ['handpan', 'steel drums'],
  ['tabla', 'drums'], ['djembe', 'drums'], ['bongos', 'drums'], ['congas', 'drums'], ['cajon', 'drums'], ['taiko', 'drums'],
  ['timpani', 'drums'], ['cowbell', 'drums'], ['tambourine', 'drums'], ['beatbox', 'drums'], ['arpeggiator', 'synth'],
  ['vocoder', 'synth'], ['talkbox', 'synth'], ['mellotron', 'strings'], ['dulcimer', 'harp'], ['balalaika', 'acoustic guitar'],
];

/** Words we recognise and cannot honour at all: the reply lists them as ignored. */
export const UNPLAYABLE: string[] = [
  'kazoo', 'vocals', 'vocal', 'singing', 'singer', 'lyrics', 'voice', 'rapper', 'vuvuzela', 'didgeridoo', 'whistling', 'humming',
  'bird sounds', 'birdsong', 'rain sounds', 'applause',
];

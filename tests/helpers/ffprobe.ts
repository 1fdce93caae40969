/**
 * What tests check about an audio file, measured by ffprobe/ffmpeg rather than by our own code:
 * codec, duration, sample rate, channels, bitrate, and loudness ("not silent").
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { locateFfmpeg } from '../../worker/audio/ffmpeg.ts';

const execFileP = promisify(execFile);

export interface ProbeResult {
  /** ffprobe's codec name: "opus", "mp3", "pcm_s16le". */
  codec: string;
  /** Container duration in seconds. */
  durationS: number;
  sampleRate: number;
  channels: number;
  /** Overall bits per second of the file, or null when ffprobe cannot tell. */
  bitRate: number | null;
  formatName: string;
}

interface FfprobeJson {
  streams?: Array<{ codec_type?: string; codec_name?: string; sample_rate?: string; channels?: number; duration?: string }>;
  format?: { duration?: string; bit_rate?: string; format_name?: string };
}

export async function probe(file: string): Promise<ProbeResult> {
  const { ffprobe } = await locateFfmpeg();
  if (!ffprobe) throw new Error('ffprobe not found next to ffmpeg or on PATH (Debian: apt-get install ffmpeg)');
  const { stdout } = await execFileP(ffprobe, ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', file]);
  const json = JSON.parse(stdout) as FfprobeJson;
  const audio = json.streams?.find((s) => s.codec_type === 'audio');
  if (!audio) throw new Error(`no audio stream in ${file}`);
  const duration = Number(json.format?.duration ?? audio.duration);
  const bitRate = json.format?.bit_rate ? Number(json.format.bit_rate) : null;
  return {
    codec: audio.codec_name ?? 'unknown',
    durationS: duration,
    sampleRate: Number(audio.sample_rate),
    channels: audio.channels ?? 0,
    bitRate: Number.isFinite(bitRate) ? bitRate : null,
    formatName: json.format?.format_name ?? 'unknown',
  };
}

/** Mean volume in dBFS from ffmpeg's volumedetect; digital silence reads about -91 dB. */
export async function meanVolumeDb(file: string): Promise<number> {
  const { ffmpeg } = await locateFfmpeg();
  const { stderr } = await execFileP(ffmpeg, ['-nostdin', '-hide_banner', '-i', file, '-af', 'volumedetect', '-vn', '-f', 'null', '-']);
  const m = /mean_volume:\s*(-?[\d.]+|-inf) dB/.exec(stderr);
  if (!m) throw new Error(`volumedetect printed no mean_volume for ${file}`);
  return m[1] === '-inf' ? -Infinity : Number(m[1]);
}

/**
 * The /stats chart shared by the chat frontends: one pair of bars per top track (favorites,
 * plays), in the order of the message's list, so the numbers beside the list label the bars.
 * pngjs draws pixels only, no text: the image shows nothing the list does not.
 */
import { PNG } from 'pngjs';

const WIDTH = 600;
const HEIGHT = 260;
const PAD = 20;
const BG: Rgb = [0x2b, 0x2d, 0x31];
const AXIS: Rgb = [0x80, 0x84, 0x8e];
const FAVORITES: Rgb = [0xf5, 0xc5, 0x18];
const PLAYS: Rgb = [0x7c, 0x5c, 0xff];
type Rgb = readonly [number, number, number];

export interface ChartBar {
  favorites: number;
  plays: number;
}

export function renderStatsChart(bars: readonly ChartBar[]): Buffer {
  const png = new PNG({ width: WIDTH, height: HEIGHT });
  fill(png, 0, 0, WIDTH, HEIGHT, BG);
  const baseY = HEIGHT - PAD;
  fill(png, PAD, baseY, WIDTH - PAD, baseY + 2, AXIS);
  const shown = bars.slice(0, 10);
  const max = Math.max(1, ...shown.flatMap((b) => [b.favorites, b.plays]));
  const slot = (WIDTH - 2 * PAD) / Math.max(1, shown.length);
  const barW = Math.max(2, Math.floor(slot * 0.35));
  shown.forEach((b, i) => {
    const x = Math.round(PAD + i * slot + slot * 0.1);
    const usable = baseY - PAD;
    const hFav = Math.round((b.favorites / max) * usable);
    const hPlay = Math.round((b.plays / max) * usable);
    fill(png, x, baseY - hFav, x + barW, baseY, FAVORITES);
    fill(png, x + barW + 2, baseY - hPlay, x + 2 * barW + 2, baseY, PLAYS);
  });
  return PNG.sync.write(png);
}

function fill(png: PNG, x0: number, y0: number, x1: number, y1: number, [r, g, b]: Rgb): void {
  for (let y = Math.max(0, y0); y < Math.min(png.height, y1); y++) {
    for (let x = Math.max(0, x0); x < Math.min(png.width, x1); x++) {
      const i = (y * png.width + x) * 4;
      png.data[i] = r;
      png.data[i + 1] = g;
      png.data[i + 2] = b;
      png.data[i + 3] = 255;
    }
  }
}

/**
 * MusicGen's delay pattern: codebook k runs k steps behind codebook 0, so at decoding step s
 * (column s of the sequence, column 0 being the start token) codebook k produces frame s − 1 − k.
 * Frames are stored undelayed as codes[k][frame]; these helpers move between the two views.
 */

/** The frame codebook `k` produces at step `step` (1-based columns), or −1 inside the delay. */
export function frameAt(step: number, k: number): number {
  return step - 1 - k;
}

/** Steps needed for `frames` complete frames in every one of `numCodebooks` codebooks. */
export function stepsFor(frames: number, numCodebooks: number): number {
  return frames + numCodebooks - 1;
}

/**
 * The token codebook `k` is fed at column `column`: the start token at column 0, pad while the
 * codebook is still delayed (transformers' `i % num_codebooks >= j` mask) or already past the
 * window's last frame (the tail of transformers' delay mask), else its code for that column.
 */
export function inputToken(codes: Int32Array[], column: number, k: number, startId: number, padId: number): number {
  if (column === 0) return startId;
  const frame = frameAt(column, k);
  const row = codes[k]!;
  if (frame < 0 || frame >= row.length) return padId;
  return row[frame]!;
}

/**
 * Reverses the pattern on a delayed sequence [codebooks][columns] (column 0 = start), keeping
 * column t of codebook k when 0 < t − k ≤ columns − codebooks, as transformers does.
 */
export function undelay(delayed: number[][]): number[][] {
  const C = delayed.length;
  const columns = delayed[0]?.length ?? 0;
  const frames = Math.max(0, columns - C);
  return delayed.map((row, k) => row.slice(1 + k, 1 + k + frames));
}

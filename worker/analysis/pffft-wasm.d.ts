/** The parts of @echogarden/pffft-wasm (Emscripten build of PFFFT, no types shipped) that spectrum.ts uses. */
declare module '@echogarden/pffft-wasm/simd' {
  export interface PffftModule {
    /** The module's memory as floats; replaced when the memory grows, so read it after allocating. */
    HEAPF32: Float32Array;
    /** `transform`: 0 real, 1 complex. Returns 0 when PFFFT cannot do that size. */
    _pffft_new_setup(size: number, transform: number): number;
    _pffft_aligned_malloc(bytes: number): number;
    /** `direction`: 0 forward, 1 backward. Unscaled; real output as [r0, r(N/2), r1, i1, r2, i2, ...]. */
    _pffft_transform_ordered(setup: number, input: number, output: number, work: number, direction: number): void;
  }
  export default function PFFFT(): Promise<PffftModule>;
}

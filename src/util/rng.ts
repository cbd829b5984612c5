/**
 * Seeded pseudo-random numbers for training and synthetic data. Training must be reproducible from a seed (a retrain
 * that is rejected must be explainable), so nothing in src/train uses Math.random.
 *
 * Generator: xoshiro128** (Blackman & Vigna), 128-bit state seeded through splitmix32 so that nearby seeds
 * (1, 2, 3, ...) give unrelated streams. 32-bit output; all arithmetic stays in 32-bit integers.
 */

export interface Rng {
  /** Uniform in [0, 1), 32 bits of resolution. */
  next(): number;
  /** Uniform integer in [0, n); n is an integer in [1, 2^32]. Bias is below n / 2^32 (negligible here). */
  int(n: number): number;
  /** Standard normal N(0, 1) (Box-Muller; the second value of each pair is kept for the next call). */
  normal(): number;
  /** Fisher-Yates shuffle in place; returns the same array. */
  shuffle<A extends { length: number; [i: number]: unknown }>(items: A): A;
}

const TWO_POW_32 = 4294967296;

function splitmix32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
}

export function createRng(seed: number): Rng {
  if (!Number.isFinite(seed)) throw new RangeError(`rng seed must be a finite number, got ${seed}`);
  const init = splitmix32(Math.floor(seed));
  let s0 = init();
  let s1 = init();
  let s2 = init();
  let s3 = init();
  // The all-zero state is a fixed point of xoshiro; splitmix32 practically never yields it, but guard anyway.
  if ((s0 | s1 | s2 | s3) === 0) s0 = 1;

  function nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
    const t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = rotl(s3, 11);
    return result;
  }

  let spareNormal: number | undefined;

  const rng: Rng = {
    next: () => nextUint32() / TWO_POW_32,
    int(n: number): number {
      if (!Number.isInteger(n) || n < 1 || n > TWO_POW_32) throw new RangeError(`rng.int(n) needs an integer n in [1, 2^32], got ${n}`);
      return Math.floor((nextUint32() / TWO_POW_32) * n);
    },
    normal(): number {
      if (spareNormal !== undefined) {
        const v = spareNormal;
        spareNormal = undefined;
        return v;
      }
      // u1 in (0, 1]: log(0) must not happen.
      const u1 = (nextUint32() + 1) / TWO_POW_32;
      const u2 = nextUint32() / TWO_POW_32;
      const r = Math.sqrt(-2 * Math.log(u1));
      spareNormal = r * Math.sin(2 * Math.PI * u2);
      return r * Math.cos(2 * Math.PI * u2);
    },
    shuffle<A extends { length: number; [i: number]: unknown }>(items: A): A {
      for (let i = items.length - 1; i > 0; i--) {
        const j = rng.int(i + 1);
        const tmp = items[i];
        items[i] = items[j];
        items[j] = tmp;
      }
      return items;
    },
  };
  return rng;
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

import { createHash } from 'node:crypto';

/**
 * A deterministic pseudo-random source for seed data: the same seed string gives the same sequence,
 * so a seeded database can be rebuilt identically. Not for anything secret.
 */
export interface TRandom {
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [min, max], both inclusive. */
  int(min: number, max: number): number;
  /** True with probability `p`. */
  chance(p: number): boolean;
  pick<T>(items: readonly T[]): T;
  /** Picks by weight: `[[value, weight], ...]`. */
  weighted<T>(entries: readonly (readonly [T, number])[]): T;
  /** A version-4-shaped UUID made from this sequence. */
  uuid(): string;
  /** `length` lowercase hex digits. */
  hex(length: number): string;
}

/** sfc32 (Chris Doty-Humphrey's Small Fast Counting generator), seeded from SHA-256 of the seed. */
export function createRandom(seed: string): TRandom {
  const state = createHash('sha256').update(seed).digest();
  let a = state.readUInt32LE(0);
  let b = state.readUInt32LE(4);
  let c = state.readUInt32LE(8);
  let d = state.readUInt32LE(12);
  const nextUint32 = (): number => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return t >>> 0;
  };
  // Warm up so that similar seeds diverge.
  for (let i = 0; i < 12; i += 1) nextUint32();

  const hex8 = () => nextUint32().toString(16).padStart(8, '0');
  const random: TRandom = {
    next: () => nextUint32() / 4_294_967_296,
    int: (min, max) => min + Math.floor(random.next() * (max - min + 1)),
    chance: (p) => random.next() < p,
    pick<T>(items: readonly T[]): T {
      if (items.length === 0) throw new Error('pick from an empty list');
      return items[Math.floor(random.next() * items.length)] as T;
    },
    weighted<T>(entries: readonly (readonly [T, number])[]): T {
      const total = entries.reduce((sum, [, weight]) => sum + weight, 0);
      let roll = random.next() * total;
      for (const [value, weight] of entries) {
        roll -= weight;
        if (roll < 0) return value;
      }
      const last = entries.at(-1);
      if (!last) throw new Error('weighted pick from an empty list');
      return last[0];
    },
    uuid() {
      const h = hex8() + hex8() + hex8() + hex8();
      const variant = ((parseInt(h.charAt(16), 16) & 0x3) | 0x8).toString(16);
      return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
    },
    hex(length) {
      let out = '';
      while (out.length < length) out += hex8();
      return out.slice(0, length);
    },
  };
  return random;
}

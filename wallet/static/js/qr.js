// A small QR Code encoder (ISO/IEC 18004) for the wallet's live codes: alphanumeric mode
// (base45 text and the "ELP1:" prefix are all QR alphanumeric characters), error
// correction level M, versions 1-20. Written for this project: no package, no build step.

const ALNUM = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";
export const MAX_VERSION = 20;

// Level M per version: [EC codewords per block, blocks in group 1, data codewords per
// group-1 block, blocks in group 2] (group-2 blocks hold one data codeword more).
const M_BLOCKS = [null,
  [10, 1, 16, 0], [16, 1, 28, 0], [26, 1, 44, 0], [18, 2, 32, 0], [24, 2, 43, 0],
  [16, 4, 27, 0], [18, 4, 31, 0], [22, 2, 38, 2], [22, 3, 36, 2], [26, 4, 43, 1],
  [30, 1, 50, 4], [22, 6, 36, 2], [22, 8, 37, 1], [24, 4, 40, 5], [24, 5, 41, 5],
  [28, 7, 45, 3], [28, 10, 46, 1], [26, 9, 43, 4], [26, 3, 44, 11], [26, 3, 41, 13]];

export class QrError extends Error {}

function dataCodewords(version) {
  const [, g1, d1, g2] = M_BLOCKS[version];
  return g1 * d1 + g2 * (d1 + 1);
}

function countBits(version) {
  return version <= 9 ? 9 : version <= 26 ? 11 : 13;
}

/** Bits of the alphanumeric segment (mode, count, data) for `text`. */
function segmentBits(text, version) {
  const bits = [];
  const put = (value, n) => {
    for (let i = n - 1; i >= 0; i--) bits.push((value >>> i) & 1);
  };
  put(0b0010, 4);
  put(text.length, countBits(version));
  for (let i = 0; i < text.length; i += 2) {
    const a = ALNUM.indexOf(text[i]);
    if (i + 1 < text.length) put(a * 45 + ALNUM.indexOf(text[i + 1]), 11);
    else put(a, 6);
  }
  return bits;
}

/** The smallest version (≤ 20) at level M that holds `text`. */
export function chooseVersion(text) {
  for (const c of text) if (!ALNUM.includes(c)) throw new QrError(`not alphanumeric: ${c}`);
  for (let v = 1; v <= MAX_VERSION; v++) {
    if (4 + countBits(v) + Math.ceil(text.length / 2) * 11 - (text.length % 2) * 5
      <= dataCodewords(v) * 8) return v;
  }
  throw new QrError("The code is too long for a version 20 QR code.");
}

// ------------------------------------------------------------------ Reed-Solomon, GF(256)

const EXP = new Uint8Array(512);
const LOG = new Uint8Array(256);
for (let i = 0, x = 1; i < 255; i++) {
  EXP[i] = x;
  LOG[x] = i;
  x = (x << 1) ^ (x & 0x80 ? 0x11d : 0);
}
for (let i = 255; i < 512; i++) EXP[i] = EXP[i - 255];
const mul = (a, b) => (a && b ? EXP[LOG[a] + LOG[b]] : 0);

function generator(degree) {
  // Coefficients of prod (x - α^i), i < degree, highest power first (leading 1 dropped).
  let poly = [1];
  for (let i = 0; i < degree; i++) {
    const next = new Array(poly.length + 1).fill(0);
    for (let j = 0; j < poly.length; j++) {
      next[j] ^= poly[j];
      next[j + 1] ^= mul(poly[j], EXP[i]);
    }
    poly = next;
  }
  return poly.slice(1);
}

function remainder(data, gen) {
  const rem = new Array(gen.length).fill(0);
  for (const byte of data) {
    const factor = byte ^ rem.shift();
    rem.push(0);
    for (let i = 0; i < gen.length; i++) rem[i] ^= mul(gen[i], factor);
  }
  return rem;
}

function codewords(text, version) {
  const capacity = dataCodewords(version) * 8;
  const bits = segmentBits(text, version);
  for (let i = 0; i < 4 && bits.length < capacity; i++) bits.push(0);
  while (bits.length % 8) bits.push(0);
  const data = [];
  for (let i = 0; i < bits.length; i += 8) data.push(bits.slice(i, i + 8).reduce((a, b) => a * 2 + b));
  for (let pad = 0xec; data.length < capacity / 8; pad ^= 0xec ^ 0x11) data.push(pad);

  const [ecLen, g1, d1, g2] = M_BLOCKS[version];
  const gen = generator(ecLen);
  const blocks = [];
  let at = 0;
  for (let b = 0; b < g1 + g2; b++) {
    const len = b < g1 ? d1 : d1 + 1;
    const block = data.slice(at, at + len);
    at += len;
    blocks.push([block, remainder(block, gen)]);
  }
  const out = [];
  for (let i = 0; i <= d1; i++) for (const [d] of blocks) if (i < d.length) out.push(d[i]);
  for (let i = 0; i < ecLen; i++) for (const [, e] of blocks) out.push(e[i]);
  return out;
}

// ------------------------------------------------------------------ the symbol

function alignmentPositions(version) {
  if (version === 1) return [];
  const count = Math.floor(version / 7) + 2;
  const size = version * 4 + 17;
  const step = Math.ceil((version * 4 + 4) / (count * 2 - 2)) * 2;
  const out = [6];
  for (let pos = size - 7; out.length < count; pos -= step) out.splice(1, 0, pos);
  return out;
}

function bchBits(value, poly, polyDegree) {
  let rem = value << polyDegree;
  for (let i = 31 - Math.clz32(rem); i >= polyDegree; i--) if ((rem >>> i) & 1) rem ^= poly << (i - polyDegree);
  return (value << polyDegree) | rem;
}

const MASKS = [
  (x, y) => (x + y) % 2 === 0,
  (x, y) => y % 2 === 0,
  (x) => x % 3 === 0,
  (x, y) => (x + y) % 3 === 0,
  (x, y) => (Math.floor(x / 3) + Math.floor(y / 2)) % 2 === 0,
  (x, y) => ((x * y) % 2) + ((x * y) % 3) === 0,
  (x, y) => (((x * y) % 2) + ((x * y) % 3)) % 2 === 0,
  (x, y) => (((x + y) % 2) + ((x * y) % 3)) % 2 === 0,
];

class Symbol {
  constructor(version) {
    this.version = version;
    this.size = version * 4 + 17;
    this.dark = Array.from({ length: this.size }, () => new Array(this.size).fill(false));
    this.fixed = Array.from({ length: this.size }, () => new Array(this.size).fill(false));
    this.functionPatterns();
  }

  set(x, y, dark) {
    this.dark[y][x] = dark;
    this.fixed[y][x] = true;
  }

  functionPatterns() {
    const n = this.size;
    for (let i = 0; i < n; i++) {
      this.set(6, i, i % 2 === 0);
      this.set(i, 6, i % 2 === 0);
    }
    for (const [cx, cy] of [[3, 3], [n - 4, 3], [3, n - 4]]) {
      for (let dy = -4; dy <= 4; dy++) {
        for (let dx = -4; dx <= 4; dx++) {
          const x = cx + dx;
          const y = cy + dy;
          const d = Math.max(Math.abs(dx), Math.abs(dy));
          if (x >= 0 && x < n && y >= 0 && y < n) this.set(x, y, d !== 2 && d !== 4);
        }
      }
    }
    const pos = alignmentPositions(this.version);
    for (const [i, cx] of pos.entries()) {
      for (const [j, cy] of pos.entries()) {
        const corner = (i === 0 && j === 0) || (i === 0 && j === pos.length - 1)
          || (i === pos.length - 1 && j === 0);
        if (corner) continue;
        for (let dy = -2; dy <= 2; dy++) {
          for (let dx = -2; dx <= 2; dx++) {
            this.set(cx + dx, cy + dy, Math.max(Math.abs(dx), Math.abs(dy)) !== 1);
          }
        }
      }
    }
    this.formatBits(0); // reserve the areas; redrawn once the mask is chosen
    if (this.version >= 7) {
      const bits = bchBits(this.version, 0x1f25, 12);
      for (let i = 0; i < 18; i++) {
        const bit = ((bits >>> i) & 1) === 1;
        const a = n - 11 + (i % 3);
        const b = Math.floor(i / 3);
        this.set(a, b, bit);
        this.set(b, a, bit);
      }
    }
  }

  formatBits(mask) {
    // Level M is 00; the 15-bit BCH code is XORed with 0x5412.
    const bits = bchBits(mask, 0x537, 10) ^ 0x5412;
    const bit = (i) => ((bits >>> i) & 1) === 1;
    const n = this.size;
    for (let i = 0; i <= 5; i++) this.set(8, i, bit(i));
    this.set(8, 7, bit(6));
    this.set(8, 8, bit(7));
    this.set(7, 8, bit(8));
    for (let i = 9; i < 15; i++) this.set(14 - i, 8, bit(i));
    for (let i = 0; i < 8; i++) this.set(n - 1 - i, 8, bit(i));
    for (let i = 8; i < 15; i++) this.set(8, n - 15 + i, bit(i));
    this.set(8, n - 8, true);
  }

  place(words) {
    const n = this.size;
    let i = 0;
    for (let right = n - 1; right >= 1; right -= 2) {
      if (right === 6) right = 5;
      const upward = ((right + 1) & 2) === 0;
      for (let v = 0; v < n; v++) {
        const y = upward ? n - 1 - v : v;
        for (let j = 0; j < 2; j++) {
          const x = right - j;
          if (this.fixed[y][x]) continue;
          // Remainder bits past the codewords stay light.
          this.dark[y][x] = i < words.length * 8 && ((words[i >>> 3] >>> (7 - (i & 7))) & 1) === 1;
          i++;
        }
      }
    }
  }

  applyMask(mask) {
    const test = MASKS[mask];
    for (let y = 0; y < this.size; y++) {
      for (let x = 0; x < this.size; x++) if (!this.fixed[y][x] && test(x, y)) this.dark[y][x] = !this.dark[y][x];
    }
  }

  penalty() {
    const n = this.size;
    const m = this.dark;
    let score = 0;
    let darkCount = 0;
    const line = (get) => {
      let run = 1;
      const cells = Array.from({ length: n }, (_, i) => get(i));
      for (let i = 1; i <= n; i++) {
        if (i < n && cells[i] === cells[i - 1]) run++;
        else {
          if (run >= 5) score += run - 2;
          run = 1;
        }
      }
      const s = cells.map((c) => (c ? 1 : 0)).join("");
      for (const p of ["00001011101", "10111010000"]) {
        for (let at = s.indexOf(p); at !== -1; at = s.indexOf(p, at + 1)) score += 40;
      }
    };
    for (let k = 0; k < n; k++) {
      line((i) => m[k][i]);
      line((i) => m[i][k]);
    }
    for (let y = 0; y < n; y++) {
      for (let x = 0; x < n; x++) {
        if (m[y][x]) darkCount++;
        if (x < n - 1 && y < n - 1 && m[y][x] === m[y][x + 1] && m[y][x] === m[y + 1][x]
          && m[y][x] === m[y + 1][x + 1]) score += 3;
      }
    }
    return score + 10 * Math.floor(Math.abs(darkCount * 20 - n * n * 10) / (n * n));
  }
}

/** Encodes `text` at level M: returns {version, size, mask, modules[y][x] (true = dark)}. */
export function encodeQr(text) {
  const version = chooseVersion(text);
  const symbol = new Symbol(version);
  symbol.place(codewords(text, version));
  let best = null;
  for (let mask = 0; mask < 8; mask++) {
    symbol.applyMask(mask);
    symbol.formatBits(mask);
    const score = symbol.penalty();
    if (best === null || score < best.score) best = { mask, score };
    symbol.applyMask(mask); // XOR again undoes it
  }
  symbol.applyMask(best.mask);
  symbol.formatBits(best.mask);
  return { version, size: symbol.size, mask: best.mask, modules: symbol.dark };
}

/** Draws the code on a canvas with a 4-module quiet zone, `scale` pixels per module. */
export function drawQr(canvas, qr, scale) {
  const total = (qr.size + 8) * scale;
  canvas.width = total;
  canvas.height = total;
  const ctx = canvas.getContext("2d");
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, total, total);
  ctx.fillStyle = "#000";
  for (let y = 0; y < qr.size; y++) {
    for (let x = 0; x < qr.size; x++) {
      if (qr.modules[y][x]) ctx.fillRect((x + 4) * scale, (y + 4) * scale, scale, scale);
    }
  }
}

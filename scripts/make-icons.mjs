// Draws the extension icon (a rounded indigo tile with a router glyph: one node fanning out to
// three) at every size the manifest names, as PNGs, with no image tooling beyond Node's zlib.
import { writeFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';

const SIZES = [16, 32, 48, 128];

function crc32(bytes) {
  let crc = ~0;
  for (const byte of bytes) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = (crc >>> 1) ^ (0xedb88320 & -(crc & 1));
  }
  return ~crc >>> 0;
}

function chunk(type, data) {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

function encodePng(size, rgba) {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header.set([8, 6, 0, 0, 0], 8);
  const rows = Buffer.alloc((size * 4 + 1) * size);
  for (let y = 0; y < size; y++) {
    rows[y * (size * 4 + 1)] = 0;
    rgba.copy(rows, y * (size * 4 + 1) + 1, y * size * 4, (y + 1) * size * 4);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(rows)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** Signed distance to a segment, for anti-aliased strokes. */
function segmentDistance(px, py, ax, ay, bx, by) {
  const dx = bx - ax;
  const dy = by - ay;
  const t = Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)));
  return Math.hypot(px - ax - t * dx, py - ay - t * dy);
}

function coverage(distance, pixel) {
  return Math.max(0, Math.min(1, 0.5 - distance / pixel));
}

function drawIcon(size) {
  const rgba = Buffer.alloc(size * size * 4);
  const pixel = 1 / size;
  const source = [0.28, 0.5];
  const targets = [
    [0.74, 0.26],
    [0.74, 0.5],
    [0.74, 0.74],
  ];
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const u = (x + 0.5) / size;
      const v = (y + 0.5) / size;
      // Rounded square tile.
      const r = 0.2;
      const qx = Math.max(Math.abs(u - 0.5) - (0.5 - r), 0);
      const qy = Math.max(Math.abs(v - 0.5) - (0.5 - r), 0);
      const tile = coverage(Math.hypot(qx, qy) - r, pixel);
      // Glyph: three strokes and four dots.
      let glyph = 0;
      const stroke = Math.max(0.045, 1.2 * pixel);
      for (const [tx, ty] of targets) {
        glyph = Math.max(
          glyph,
          coverage(segmentDistance(u, v, source[0], source[1], tx, ty) - stroke, pixel),
        );
        glyph = Math.max(glyph, coverage(Math.hypot(u - tx, v - ty) - 0.085, pixel));
      }
      glyph = Math.max(glyph, coverage(Math.hypot(u - source[0], v - source[1]) - 0.11, pixel));
      const top = [79, 70, 229];
      const bottom = [124, 58, 237];
      const base = top.map((c, i) => c + (bottom[i] - c) * v);
      const color = base.map((c) => c + (255 - c) * glyph);
      const offset = (y * size + x) * 4;
      rgba[offset] = Math.round(color[0]);
      rgba[offset + 1] = Math.round(color[1]);
      rgba[offset + 2] = Math.round(color[2]);
      rgba[offset + 3] = Math.round(255 * tile);
    }
  }
  return encodePng(size, rgba);
}

for (const size of SIZES) writeFileSync(`public/icons/icon-${size}.png`, drawIcon(size));
console.log(`wrote ${SIZES.map((s) => `icon-${s}.png`).join(', ')}`);

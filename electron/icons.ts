/**
 * The app's icons, drawn in code and encoded as PNG with `node:zlib` — no binary assets to keep in
 * sync, and nothing to locate inside the asar at run time. `build/make-icons.ts` writes the same
 * drawings to `build/icons/` for electron-builder.
 *
 * Tray: a filled green disc with a white core when the bridge is on, a grey ring when it is off.
 * App: a rounded indigo square with a white bridge arch.
 */
import { crc32, deflateSync } from 'node:zlib';

/** Straight (not premultiplied) RGBA, each 0–255. */
type Rgba = readonly [number, number, number, number];
/** Colour at a point of the unit square ((0,0) top-left, (1,1) bottom-right), or undefined = clear. */
type Shape = (x: number, y: number) => Rgba | undefined;

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'ascii');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])) >>> 0, 0);
  return Buffer.concat([head, data, crc]);
}

/** Encodes RGBA pixels (row-major, 4 bytes each) as an 8-bit RGBA PNG. */
export function encodePng(width: number, height: number, rgba: Uint8Array): Buffer {
  if (rgba.length !== width * height * 4) throw new Error('pixel buffer does not match the size');
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // colour type RGBA
  const raw = Buffer.alloc((width * 4 + 1) * height);
  for (let y = 0; y < height; y++) {
    raw[y * (width * 4 + 1)] = 0; // filter: none
    Buffer.from(rgba.buffer, rgba.byteOffset + y * width * 4, width * 4).copy(raw, y * (width * 4 + 1) + 1);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** Rasterises a shape at `size`×`size` with 4×4 supersampling (smooth edges at 16 px). */
function render(size: number, shape: Shape): Buffer {
  const out = new Uint8Array(size * size * 4);
  const n = 4;
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let r = 0, g = 0, b = 0, a = 0;
      for (let sy = 0; sy < n; sy++) {
        for (let sx = 0; sx < n; sx++) {
          const c = shape((px + (sx + 0.5) / n) / size, (py + (sy + 0.5) / n) / size);
          if (!c) continue;
          const alpha = c[3] / 255;
          r += c[0] * alpha;
          g += c[1] * alpha;
          b += c[2] * alpha;
          a += alpha;
        }
      }
      const i = (py * size + px) * 4;
      if (a > 0) {
        out[i] = Math.round(r / a);
        out[i + 1] = Math.round(g / a);
        out[i + 2] = Math.round(b / a);
        out[i + 3] = Math.round((a / (n * n)) * 255);
      }
    }
  }
  return encodePng(size, size, out);
}

const GREEN: Rgba = [31, 163, 86, 255];
const WHITE: Rgba = [255, 255, 255, 255];
const GREY: Rgba = [128, 134, 142, 255];
const INDIGO: Rgba = [79, 70, 229, 255];

function distance(x: number, y: number, cx: number, cy: number): number {
  return Math.hypot(x - cx, y - cy);
}

const trayOn: Shape = (x, y) => {
  const d = distance(x, y, 0.5, 0.5);
  if (d <= 0.17) return WHITE;
  return d <= 0.44 ? GREEN : undefined;
};

const trayOff: Shape = (x, y) => {
  const d = distance(x, y, 0.5, 0.5);
  return d <= 0.44 && d >= 0.3 ? GREY : undefined;
};

const appIcon: Shape = (x, y) => {
  // Rounded square (corner radius 0.2) …
  const m = 0.04, r = 0.2;
  const qx = Math.max(Math.abs(x - 0.5) - (0.5 - m - r), 0);
  const qy = Math.max(Math.abs(y - 0.5) - (0.5 - m - r), 0);
  if (Math.hypot(qx, qy) > r) return undefined;
  // … with a white bridge: an arch over a deck and two pillars.
  const arch = distance(x, y, 0.5, 0.72);
  if (y <= 0.72 && arch >= 0.26 && arch <= 0.33) return WHITE;
  if (y >= 0.6 && y <= 0.66 && x >= 0.14 && x <= 0.86) return WHITE;
  if (y >= 0.6 && y <= 0.8 && ((x >= 0.17 && x <= 0.23) || (x >= 0.77 && x <= 0.83))) return WHITE;
  return INDIGO;
};

/** Tray icon PNG for the bridge state at a pixel size (16 and its @2x 32 are what trays use). */
export function trayIconPng(on: boolean, size: number): Buffer {
  return render(size, on ? trayOn : trayOff);
}

/** The application icon PNG at a pixel size (512 for installers, 256 for the window). */
export function appIconPng(size: number): Buffer {
  return render(size, appIcon);
}

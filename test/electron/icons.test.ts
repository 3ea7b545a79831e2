import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { appIconPng, encodePng, trayIconPng } from '../../electron/icons.js';

function decode(png: Buffer): { width: number; height: number; pixels: Buffer } {
  expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  let offset = 8;
  let width = 0, height = 0;
  const idat: Buffer[] = [];
  while (offset < png.length) {
    const len = png.readUInt32BE(offset);
    const type = png.toString('ascii', offset + 4, offset + 8);
    const data = png.subarray(offset + 8, offset + 8 + len);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      expect([data[8], data[9]]).toEqual([8, 6]);
    }
    if (type === 'IDAT') idat.push(data);
    offset += 12 + len;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const pixels = Buffer.alloc(width * height * 4);
  for (let y = 0; y < height; y++) raw.copy(pixels, y * width * 4, y * (width * 4 + 1) + 1, (y + 1) * (width * 4 + 1));
  return { width, height, pixels };
}

describe('icons', () => {
  it('encodes valid RGBA PNGs', () => {
    const px = Uint8Array.from([255, 0, 0, 255, 0, 255, 0, 128]);
    const { width, height, pixels } = decode(encodePng(2, 1, px));
    expect([width, height]).toEqual([2, 1]);
    expect([...pixels]).toEqual([...px]);
  });

  it('draws distinct on and off tray icons at 1x and 2x, and the app icon', () => {
    for (const size of [16, 32]) {
      const on = decode(trayIconPng(true, size));
      const off = decode(trayIconPng(false, size));
      expect(on.width).toBe(size);
      expect(on.pixels.equals(off.pixels)).toBe(false);
      // The centre is opaque when on (white core) and clear when off (a ring).
      const centre = ((size / 2) * size + size / 2) * 4 + 3;
      expect(on.pixels[centre]).toBe(255);
      expect(off.pixels[centre]).toBe(0);
    }
    const app = decode(appIconPng(64));
    expect([app.width, app.height]).toEqual([64, 64]);
  });
});

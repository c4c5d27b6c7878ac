// Regenerates test/fixtures/images/ from the LFW photos in test/fixtures/faces/ (see faces/SOURCE.md).
import sharp from 'sharp';
import { writeFileSync, readFileSync } from 'node:fs';
const dir = new URL('../test/fixtures/', import.meta.url).pathname + 'images/';
// no face: smooth gradient with soft shapes
const w = 320,
  h = 240,
  buf = Buffer.alloc(w * h * 3);
for (let y = 0; y < h; y++)
  for (let x = 0; x < w; x++) {
    const o = (y * w + x) * 3;
    buf[o] = (x * 255) / w;
    buf[o + 1] = (y * 255) / h;
    buf[o + 2] = 128 + 60 * Math.sin(x / 20) * Math.cos(y / 25);
  }
await sharp(buf, { raw: { width: w, height: h, channels: 3 } })
  .jpeg({ quality: 90 })
  .toFile(dir + 'no-face-gradient.jpg');
// 640x480 frame with one real face (deep-funneled LFW photo scaled to 300 px on grey), as a webcam would show
const face = await sharp(new URL('../test/fixtures/', import.meta.url).pathname + 'faces/Aaron_Peirsol_0001.jpg')
  .resize(300, 300)
  .toBuffer();
await sharp({ create: { width: 640, height: 480, channels: 3, background: { r: 96, g: 100, b: 104 } } })
  .composite([{ input: face, left: 170, top: 90 }])
  .jpeg({ quality: 92 })
  .toFile(dir + 'frame-640x480-one-face.jpg');
// same photo rotated 90 deg via EXIF orientation only (pixels stored sideways)
const side = await sharp(new URL('../test/fixtures/', import.meta.url).pathname + 'faces/Aaron_Peirsol_0001.jpg')
  .rotate(-90)
  .jpeg()
  .toBuffer();
await sharp(side)
  .withMetadata({ orientation: 6 })
  .jpeg()
  .toFile(dir + 'exif-rotated-face.jpg');
// two faces side by side
const g = await sharp(new URL('../test/fixtures/', import.meta.url).pathname + 'faces/George_W_Bush_0001.jpg')
  .resize(200, 200)
  .toBuffer();
const a = await sharp(new URL('../test/fixtures/', import.meta.url).pathname + 'faces/Al_Gore_0001.jpg')
  .resize(260, 260)
  .toBuffer();
await sharp({ create: { width: 640, height: 360, channels: 3, background: { r: 200, g: 200, b: 200 } } })
  .composite([
    { input: g, left: 40, top: 80 },
    { input: a, left: 340, top: 50 },
  ])
  .jpeg()
  .toFile(dir + 'two-faces.jpg');
// PNG and WebP of a face
await sharp(new URL('../test/fixtures/', import.meta.url).pathname + 'faces/Al_Gore_0001.jpg')
  .png()
  .toFile(dir + 'face.png');
await sharp(new URL('../test/fixtures/', import.meta.url).pathname + 'faces/Al_Gore_0001.jpg')
  .webp()
  .toFile(dir + 'face.webp');
// corrupt: a JPEG cut after its first 1,500 bytes; unsupported: plain text with a .jpg name
writeFileSync(
  dir + 'corrupt-truncated.jpg',
  readFileSync(new URL('../test/fixtures/', import.meta.url).pathname + 'faces/George_W_Bush_0002.jpg').subarray(
    0,
    1500,
  ),
);
writeFileSync(dir + 'not-an-image.jpg', 'this is a text file, not a photo\n');

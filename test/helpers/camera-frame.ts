// A still photo as a camera frame, for tests that feed the kiosk or the enrollment wizard in-process.
import sharp from 'sharp';
import type { RgbaFrame } from '../../src/shared/face';

/** A photo scaled to a face about 150 px wide, centred in a grey 640x480 frame, as a camera would give. */
export async function frameOf(file: string): Promise<RgbaFrame> {
  const photo = await sharp(file).resize(340, 340).toBuffer();
  const { data, info } = await sharp({
    create: { width: 640, height: 480, channels: 4, background: { r: 128, g: 128, b: 128, alpha: 1 } },
  })
    .composite([{ input: photo, left: 150, top: 70 }])
    .ensureAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return {
    width: info.width,
    height: info.height,
    rgba: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
  };
}

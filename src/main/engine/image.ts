// Turns user input (camera RGBA frames, image files) into packed RGB pixels the stages sample from.
import sharp from 'sharp';
import { AppError } from '../../shared/errors';
import type { RgbaFrame } from '../../shared/face';
import { MAX_FILE_BYTES, readImageFile, tooLargeError } from './photo-file';

export interface RgbImage {
  width: number;
  height: number;
  /** Packed RGB, row-major, 3 bytes per pixel. */
  data: Uint8Array;
}

/** Larger photos are downscaled: detection runs at 128-256 px and encoders at <= 224 px, so more is waste. */
export const MAX_IMAGE_SIDE = 2048;
/** Refuse decompression bombs before decoding them. */
export const MAX_INPUT_PIXELS = 100_000_000;
const SUPPORTED = new Set(['jpeg', 'png', 'webp']);

export function fromRgba(frame: RgbaFrame): RgbImage {
  const { width, height, rgba } = frame;
  if (
    !Number.isInteger(width) ||
    !Number.isInteger(height) ||
    width <= 0 ||
    height <= 0 ||
    rgba.length !== width * height * 4
  ) {
    throw new AppError(
      'INVALID_INPUT',
      `The camera frame is malformed (${width}x${height}, ${rgba.length} bytes): expected width*height*4 RGBA bytes.`,
    );
  }
  const data = new Uint8Array(width * height * 3);
  for (let i = 0, j = 0; i < rgba.length; i += 4, j += 3) {
    data[j] = rgba[i];
    data[j + 1] = rgba[i + 1];
    data[j + 2] = rgba[i + 2];
  }
  return { width, height, data };
}

/**
 * Refuses what decodeImage would refuse without decoding: too many bytes, not an image, too many pixels,
 * or a format other than JPEG, PNG or WebP. Reads only the file's header.
 */
export async function checkImage(bytes: Uint8Array, name = 'the image'): Promise<void> {
  if (bytes.length > MAX_FILE_BYTES) throw tooLargeError(name, bytes.length);
  let format: string | undefined;
  try {
    format = (await sharp(bytes, { limitInputPixels: MAX_INPUT_PIXELS }).metadata()).format;
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    if (/unsupported image format/i.test(msg))
      throw new AppError(
        'IMAGE_UNSUPPORTED',
        `${name} is not a JPEG, PNG or WebP image: save it in one of those formats.`,
      );
    if (/pixel limit/i.test(msg))
      throw new AppError('IMAGE_TOO_LARGE', `${name} has too many pixels: use a photo under 100 megapixels.`);
    throw new AppError(
      'IMAGE_CORRUPT',
      `${name} could not be read (the file is damaged or truncated): take or export the photo again.`,
    );
  }
  if (!format || !SUPPORTED.has(format)) {
    throw new AppError('IMAGE_UNSUPPORTED', `${name} is a ${format ?? 'unknown'} file: use a JPEG, PNG or WebP photo.`);
  }
}

export async function decodeImage(bytes: Uint8Array, name = 'the image'): Promise<RgbImage> {
  await checkImage(bytes, name);
  try {
    const { data, info } = await sharp(bytes, { limitInputPixels: MAX_INPUT_PIXELS, failOn: 'error' })
      .rotate() // honours EXIF orientation so landmarks and thumbnails are upright
      .resize({ width: MAX_IMAGE_SIDE, height: MAX_IMAGE_SIDE, fit: 'inside', withoutEnlargement: true })
      .toColourspace('srgb')
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (info.channels === 3)
      return {
        width: info.width,
        height: info.height,
        data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
      };
    const out = new Uint8Array(info.width * info.height * 3);
    for (let i = 0; i < info.width * info.height; i++) {
      const v = data[i * info.channels];
      out[i * 3] = out[i * 3 + 1] = out[i * 3 + 2] = v;
    }
    return { width: info.width, height: info.height, data: out };
  } catch (e) {
    if (e instanceof AppError) throw e;
    const msg = e instanceof Error ? e.message : String(e);
    if (/pixel limit/i.test(msg))
      throw new AppError('IMAGE_TOO_LARGE', `${name} has too many pixels: use a photo under 100 megapixels.`);
    throw new AppError(
      'IMAGE_CORRUPT',
      `${name} could not be decoded (the file is damaged or truncated): take or export the photo again.`,
    );
  }
}

export async function decodeFile(filePath: string): Promise<RgbImage> {
  return decodeImage(await readImageFile(filePath), filePath);
}

/** JPEG of packed RGB pixels (aligned face thumbnails). */
export async function encodeJpeg(rgb: Uint8Array, width: number, height: number, quality = 85): Promise<Uint8Array> {
  const buf = await sharp(rgb, { raw: { width, height, channels: 3 } })
    .jpeg({ quality })
    .toBuffer();
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}

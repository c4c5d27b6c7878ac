// The aligned face chip kept with every template, so that a later encoder can embed the same face again
// without anyone standing in front of the camera. A chip is looser and larger than any encoder's own crop
// (ArcFace five points at canonicalPoints(224, 0.7)), so each encoder's warp can be cut from it as it
// would be cut from the photo, from the landmarks carried along in chip coordinates.
//
// Layout (little-endian): version u8 | size u16 | five-point count u8 | dlib-point count u8 |
// points as float32 x,y (the five, then dlib's 51 when Face Mesh ran) | JPEG bytes to the end.
import { AppError } from '../../shared/errors';
import type { Point } from '../../shared/face';
import { applyAffine, canonicalPoints, invertAffine, similarityTo, warpAffine } from './align';
import { encodeJpeg, type RgbImage } from './image';

export const CHIP_FORMAT_VERSION = 1;
export const CHIP_SIZE = 224;
/** The ArcFace face fills 70 % of the chip: room for dlib's looser 150 px chip and the mirror pass. */
export const CHIP_ZOOM = 0.7;
export const CHIP_JPEG_QUALITY = 95;
const HEADER_BYTES = 5;

export interface ChipPoints {
  five: Point[];
  dlib51?: Point[];
}

export interface FaceChip extends ChipPoints {
  size: number;
  jpeg: Uint8Array;
}

/** Cuts the chip of a face from the image and carries its landmarks into chip coordinates. */
export async function cutChip(img: RgbImage, face: ChipPoints): Promise<Uint8Array> {
  const toImage = similarityTo(canonicalPoints(CHIP_SIZE, CHIP_ZOOM), face.five);
  const toChip = invertAffine(toImage);
  const crop = warpAffine(img, toImage, CHIP_SIZE, CHIP_SIZE);
  const jpeg = await encodeJpeg(
    Uint8Array.from(crop, (v) => Math.round(v)),
    CHIP_SIZE,
    CHIP_SIZE,
    CHIP_JPEG_QUALITY,
  );
  return encodeChip({
    size: CHIP_SIZE,
    five: face.five.map((p) => applyAffine(toChip, p)),
    dlib51: face.dlib51?.map((p) => applyAffine(toChip, p)),
    jpeg,
  });
}

export function encodeChip(chip: FaceChip): Uint8Array {
  const points = [...chip.five, ...(chip.dlib51 ?? [])];
  const out = new Uint8Array(HEADER_BYTES + points.length * 8 + chip.jpeg.length);
  const view = new DataView(out.buffer);
  view.setUint8(0, CHIP_FORMAT_VERSION);
  view.setUint16(1, chip.size, true);
  view.setUint8(3, chip.five.length);
  view.setUint8(4, chip.dlib51?.length ?? 0);
  points.forEach(([x, y], i) => {
    view.setFloat32(HEADER_BYTES + i * 8, x, true);
    view.setFloat32(HEADER_BYTES + i * 8 + 4, y, true);
  });
  out.set(chip.jpeg, HEADER_BYTES + points.length * 8);
  return out;
}

function damaged(why: string): AppError {
  return new AppError('INTERNAL', `A stored face chip is damaged (${why}): re-enroll this person to store a new one.`);
}

export function decodeChip(bytes: Uint8Array): FaceChip {
  if (bytes.length < HEADER_BYTES) throw damaged(`${bytes.length} bytes`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint8(0);
  if (version !== CHIP_FORMAT_VERSION)
    throw new AppError(
      'INTERNAL',
      `A stored face chip uses format version ${version}, which this version of Presence does not know. Update Presence.`,
    );
  const size = view.getUint16(1, true);
  const nFive = view.getUint8(3);
  const nDlib = view.getUint8(4);
  const jpegAt = HEADER_BYTES + (nFive + nDlib) * 8;
  if (nFive !== 5 || (nDlib !== 0 && nDlib !== 51) || size === 0 || bytes.length <= jpegAt)
    throw damaged(`size ${size}, ${nFive} + ${nDlib} points, ${bytes.length} bytes`);
  const point = (i: number): Point => [
    view.getFloat32(HEADER_BYTES + i * 8, true),
    view.getFloat32(HEADER_BYTES + i * 8 + 4, true),
  ];
  const five = Array.from({ length: nFive }, (_, i) => point(i));
  const dlib51 = nDlib ? Array.from({ length: nDlib }, (_, i) => point(nFive + i)) : undefined;
  if (![...five, ...(dlib51 ?? [])].every(([x, y]) => Number.isFinite(x) && Number.isFinite(y)))
    throw damaged('its landmarks are not numbers');
  const chip: FaceChip = { size, five, jpeg: bytes.subarray(jpegAt) };
  if (dlib51) chip.dlib51 = dlib51;
  return chip;
}

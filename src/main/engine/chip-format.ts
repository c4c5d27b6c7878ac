// The chip's byte layout (chip.ts cuts the chip): plain code with no image library, so the Electron main
// process may read a stored chip's JPEG (the People screen's template list) without loading sharp.
//
// Layout (little-endian): version u8 | size u16 | five-point count u8 | dlib-point count u8 |
// points as float32 x,y (the five, then dlib's 51 when Face Mesh ran) | JPEG bytes to the end.
import { AppError } from '../../shared/errors';
import type { Point } from '../../shared/face';

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

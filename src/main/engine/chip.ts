// The aligned face chip kept with every template, so that a later encoder can embed the same face again
// without anyone standing in front of the camera. A chip is looser and larger than any encoder's own crop
// (ArcFace five points at canonicalPoints(224, 0.7)), so each encoder's warp can be cut from it as it
// would be cut from the photo, from the landmarks carried along in chip coordinates.
// The byte layout is in chip-format.ts.
import { applyAffine, canonicalPoints, invertAffine, similarityTo, warpAffine } from './align';
import { CHIP_JPEG_QUALITY, CHIP_SIZE, CHIP_ZOOM, encodeChip, type ChipPoints } from './chip-format';
import { encodeJpeg, type RgbImage } from './image';

export {
  CHIP_FORMAT_VERSION,
  CHIP_JPEG_QUALITY,
  CHIP_SIZE,
  CHIP_ZOOM,
  decodeChip,
  encodeChip,
  type ChipPoints,
  type FaceChip,
} from './chip-format';

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

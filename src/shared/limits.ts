// Sizes both sides must agree on. Plain numbers, so the renderer may import them as values.

/** The largest photo file accepted for enrollment (a phone's full-size JPEG is 3-12 MB). */
export const MAX_IMAGE_BYTES = 30 * 1024 * 1024;

/** A person's fields, the same for the screens, the contract and the database (the CLI writes directly). */
export const NAME_MAX = 120;
export const EXTERNAL_ID_MAX = 64;
export const NOTES_MAX = 2000;

/** The most photos one enroll.importPhotos call carries. */
export const MAX_PHOTOS_PER_IMPORT = 50;

/**
 * The largest message `presence serve` accepts on its WebSocket: one photo of the largest size plus the
 * message's framing. The renderer sends photos in batches that fit (renderer/lib/photo-batches.ts).
 */
export const MAX_WIRE_MESSAGE_BYTES = MAX_IMAGE_BYTES + 1024 * 1024;

// Reading a photo file with its size checked first: plain file access, no image library, so the CLI and
// the main process may read photos without loading the engine.
import type { Stats } from 'node:fs';
import { open, stat, type FileHandle } from 'node:fs/promises';
import { AppError } from '../../shared/errors';
import { MAX_IMAGE_BYTES } from '../../shared/limits';

/** The largest photo accepted, from a file as from the screens (shared/limits.ts). */
export const MAX_FILE_BYTES = MAX_IMAGE_BYTES;

/** The refusal of a file of `bytes` bytes over MAX_FILE_BYTES, the limit in the sentence. */
export function tooLargeError(name: string, bytes: number): AppError {
  return new AppError(
    'IMAGE_TOO_LARGE',
    `${name} is ${Math.ceil(bytes / 1024 / 1024)} MB: use a photo under ${MAX_FILE_BYTES / 1024 / 1024} MB.`,
    { bytes, limitBytes: MAX_FILE_BYTES },
  );
}

/**
 * The bytes of a photo file, its size checked before anything is read: a file of gigabytes is refused
 * at once (IMAGE_TOO_LARGE) instead of being read into memory first. Only regular files are read, so a
 * device or pipe named by mistake cannot stream forever or block.
 */
export async function readImageFile(filePath: string): Promise<Buffer> {
  let info: Stats;
  try {
    info = await stat(filePath);
  } catch {
    throw new AppError(
      'NOT_FOUND',
      `The photo ${filePath} could not be opened: check that the file exists and is readable.`,
    );
  }
  if (!info.isFile())
    throw new AppError(
      'INVALID_INPUT',
      `${filePath} is ${info.isDirectory() ? 'a folder' : 'not a regular file'}, not a photo: give a photo file.`,
    );
  if (info.size > MAX_FILE_BYTES) throw tooLargeError(filePath, info.size);
  let file: FileHandle | undefined;
  try {
    file = await open(filePath, 'r');
    // At most the size just checked, even if the file grows meanwhile.
    const bytes = Buffer.alloc(info.size);
    let filled = 0;
    while (filled < bytes.length) {
      const { bytesRead } = await file.read(bytes, filled, bytes.length - filled, filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    return filled === bytes.length ? bytes : bytes.subarray(0, filled);
  } catch {
    throw new AppError(
      'NOT_FOUND',
      `The photo ${filePath} could not be opened: check that the file exists and is readable.`,
    );
  } finally {
    await file?.close();
  }
}

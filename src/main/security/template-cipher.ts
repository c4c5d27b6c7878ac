// Encrypts biometric data (face embeddings, thumbnails) at rest with AES-256-GCM.
//
// Blob layout: version (1 byte) | IV (12 bytes, random) | auth tag (16 bytes) | ciphertext.
// The associated data (AAD) names the row the blob belongs to (`template:<id>`, `thumbnail:<personId>`),
// so a blob copied into another row fails authentication instead of silently becoming someone else's face.

import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { AppError } from '../../shared/errors';
import type { KeyOptions, KeyProvider } from './key-provider';

const FORMAT_VERSION = 1;
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const HEADER_BYTES = 1 + IV_BYTES + TAG_BYTES;

/** AAD for a face template row. */
export function templateAad(templateId: string): string {
  return `template:${templateId}`;
}

/** AAD for the aligned face chip kept with a template. */
export function chipAad(templateId: string): string {
  return `chip:${templateId}`;
}

/** AAD for a person's thumbnail. */
export function thumbnailAad(personId: string): string {
  return `thumbnail:${personId}`;
}

/** Float32 values as little-endian bytes, independent of the host's byte order. */
export function serializeEmbedding(embedding: Float32Array): Buffer {
  const out = Buffer.alloc(embedding.length * 4);
  for (let i = 0; i < embedding.length; i++) out.writeFloatLE(embedding[i]!, i * 4);
  return out;
}

export function deserializeEmbedding(bytes: Uint8Array): Float32Array {
  if (bytes.length % 4 !== 0) {
    throw new AppError(
      'INTERNAL',
      `A stored face template has ${bytes.length} bytes, which is not a whole number of 32-bit floats; the template is damaged. Delete it and enroll the person again.`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(bytes.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(i * 4, true);
  return out;
}

export class TemplateCipher {
  readonly #key: Buffer;

  constructor(key: Buffer) {
    if (key.length !== KEY_BYTES) {
      throw new AppError(
        'INTERNAL',
        `The template encryption key must be ${KEY_BYTES} bytes, but ${key.length} bytes were given. Check the key file or key store.`,
      );
    }
    // Own copy so a caller zeroing or reusing its buffer cannot change our key.
    this.#key = Buffer.from(key);
  }

  static fromProvider(provider: KeyProvider, options?: KeyOptions): TemplateCipher {
    return new TemplateCipher(provider.getKey(options));
  }

  encryptBytes(plaintext: Uint8Array, aad: string): Buffer {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(aad, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return Buffer.concat([Buffer.from([FORMAT_VERSION]), iv, cipher.getAuthTag(), ciphertext]);
  }

  decryptBytes(blob: Uint8Array, aad: string): Buffer {
    const buf = Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength);
    if (buf.length < HEADER_BYTES) {
      throw new AppError(
        'INTERNAL',
        `Encrypted data for ${aad} is too short to be valid (${buf.length} bytes); it is damaged. Delete it and enroll again.`,
      );
    }
    if (buf[0] !== FORMAT_VERSION) {
      throw new AppError(
        'INTERNAL',
        `Encrypted data for ${aad} uses format version ${buf[0]}, which this version of Presence does not know. Update Presence.`,
      );
    }
    const iv = buf.subarray(1, 1 + IV_BYTES);
    const tag = buf.subarray(1 + IV_BYTES, HEADER_BYTES);
    const ciphertext = buf.subarray(HEADER_BYTES);
    const decipher = createDecipheriv('aes-256-gcm', this.#key, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(aad, 'utf8'));
    decipher.setAuthTag(tag);
    try {
      return Buffer.concat([decipher.update(ciphertext), decipher.final()]);
    } catch {
      throw new AppError(
        'INTERNAL',
        `Encrypted data for ${aad} could not be decrypted: either the encryption key is not the one it was written with, or the data was altered. Restore the original key file or key store for this database, or delete the affected data and enroll again.`,
      );
    }
  }

  encryptEmbedding(embedding: Float32Array, aad: string): Buffer {
    return this.encryptBytes(serializeEmbedding(embedding), aad);
  }

  decryptEmbedding(blob: Uint8Array, aad: string): Float32Array {
    return deserializeEmbedding(this.decryptBytes(blob, aad));
  }
}

import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/shared/errors';
import {
  deserializeEmbedding,
  serializeEmbedding,
  TemplateCipher,
  templateAad,
  thumbnailAad,
} from '../../src/main/security/template-cipher';

const embedding = Float32Array.from({ length: 128 }, (_, i) => Math.sin(i) * 0.37);

describe('TemplateCipher', () => {
  const cipher = new TemplateCipher(randomBytes(32));

  it('round-trips an embedding exactly', () => {
    const blob = cipher.encryptEmbedding(embedding, templateAad('t1'));
    expect(Array.from(cipher.decryptEmbedding(blob, templateAad('t1')))).toEqual(Array.from(embedding));
  });

  it('writes version | 12-byte IV | 16-byte tag | ciphertext, and the ciphertext is not the plaintext', () => {
    const plain = serializeEmbedding(embedding);
    const blob = cipher.encryptEmbedding(embedding, templateAad('t1'));
    expect(blob[0]).toBe(1);
    expect(blob.length).toBe(1 + 12 + 16 + plain.length);
    expect(blob.includes(plain.subarray(0, 16))).toBe(false);
  });

  it('uses a fresh IV each time', () => {
    const a = cipher.encryptEmbedding(embedding, templateAad('t1'));
    const b = cipher.encryptEmbedding(embedding, templateAad('t1'));
    expect(a.equals(b)).toBe(false);
  });

  it('refuses a blob moved to another row (AAD mismatch)', () => {
    const blob = cipher.encryptEmbedding(embedding, templateAad('t1'));
    expect(() => cipher.decryptEmbedding(blob, templateAad('t2'))).toThrow(/could not be decrypted/);
    const thumb = cipher.encryptBytes(Buffer.from('jpeg'), thumbnailAad('p1'));
    expect(() => cipher.decryptBytes(thumb, thumbnailAad('p2'))).toThrow(AppError);
  });

  it('refuses the wrong key', () => {
    const blob = cipher.encryptEmbedding(embedding, templateAad('t1'));
    const other = new TemplateCipher(randomBytes(32));
    expect(() => other.decryptEmbedding(blob, templateAad('t1'))).toThrow(/key is not the one it was written with/);
  });

  it('refuses a tampered blob, a truncated blob and an unknown version', () => {
    const blob = cipher.encryptEmbedding(embedding, templateAad('t1'));
    const flipped = Buffer.from(blob);
    flipped[flipped.length - 1]! ^= 1;
    expect(() => cipher.decryptEmbedding(flipped, templateAad('t1'))).toThrow(/altered/);
    expect(() => cipher.decryptBytes(blob.subarray(0, 20), templateAad('t1'))).toThrow(/too short/);
    const future = Buffer.from(blob);
    future[0] = 9;
    expect(() => cipher.decryptBytes(future, templateAad('t1'))).toThrow(/format version 9/);
  });

  it('refuses a key that is not 32 bytes', () => {
    expect(() => new TemplateCipher(randomBytes(16))).toThrow(/32 bytes/);
  });

  it('serialises floats little-endian regardless of host order', () => {
    const bytes = serializeEmbedding(Float32Array.of(1));
    expect([...bytes]).toEqual([0x00, 0x00, 0x80, 0x3f]);
    expect(deserializeEmbedding(bytes)[0]).toBe(1);
    expect(() => deserializeEmbedding(new Uint8Array(5))).toThrow(/not a whole number/);
  });
});

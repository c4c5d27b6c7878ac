// The organisation key: one AES-256 key shared by the stations of an organisation, that encrypts every
// record they exchange through the hub (so the hub holds ciphertext only: of face templates and chips,
// and of names and attendance too). It never reaches the hub in the clear:
// - `presence hub init` makes it and shows it once, as a recovery code;
// - the hub keeps it only wrapped: under a key derived (scrypt) from the recovery code, and for each
//   station not yet joined, under a key derived from that station's one-time join secret;
// - a station keeps it sealed with its own template key (sync-config.ts).
import { createCipheriv, createDecipheriv, createHmac, randomBytes, scryptSync } from 'node:crypto';
import { AppError } from '../../shared/errors';

export const ORG_KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const FORMAT = 1;
/** scrypt for a wrap: the secret is random (a recovery code or a join secret), so a modest cost suffices. */
const WRAP_SCRYPT = { N: 2 ** 14, r: 8, p: 1 } as const;

export function newOrgKey(): Buffer {
  return randomBytes(ORG_KEY_BYTES);
}

/** AES-256-GCM: format (1) | IV (12) | tag (16) | ciphertext. */
export function seal(key: Buffer, plaintext: Uint8Array, aad: string): Buffer {
  const iv = randomBytes(IV_BYTES);
  const c = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  c.setAAD(Buffer.from(aad, 'utf8'));
  const body = Buffer.concat([c.update(plaintext), c.final()]);
  return Buffer.concat([Buffer.from([FORMAT]), iv, c.getAuthTag(), body]);
}

/** The inverse of seal; null when the key is wrong or the bytes were changed. */
export function open(key: Buffer, blob: Uint8Array, aad: string): Buffer | null {
  const b = Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength);
  if (b.length < 1 + IV_BYTES + TAG_BYTES || b[0] !== FORMAT) return null;
  try {
    const d = createDecipheriv('aes-256-gcm', key, b.subarray(1, 1 + IV_BYTES), { authTagLength: TAG_BYTES });
    d.setAAD(Buffer.from(aad, 'utf8'));
    d.setAuthTag(b.subarray(1 + IV_BYTES, 1 + IV_BYTES + TAG_BYTES));
    return Buffer.concat([d.update(b.subarray(1 + IV_BYTES + TAG_BYTES)), d.final()]);
  } catch {
    return null;
  }
}

/** A key derived from a random secret (recovery code, join secret) and a salt naming its use. */
function wrappingKey(secret: string, salt: string): Buffer {
  return scryptSync(secret, salt, ORG_KEY_BYTES, { ...WRAP_SCRYPT, maxmem: 64 * 1024 * 1024 });
}

export function wrapOrgKey(orgKey: Buffer, secret: string, salt: string): Buffer {
  return seal(wrappingKey(secret, salt), orgKey, `org-key:${salt}`);
}

export function unwrapOrgKey(wrapped: Uint8Array, secret: string, salt: string): Buffer | null {
  const k = open(wrappingKey(secret, salt), wrapped, `org-key:${salt}`);
  return k && k.length === ORG_KEY_BYTES ? k : null;
}

/** What the hub keeps to tell the organisation's key from another: an HMAC, not the key. */
export function orgKeyCheck(orgKey: Buffer): string {
  return createHmac('sha256', orgKey).update('presence organisation key check').digest('hex');
}

// Recovery codes: the 32 key bytes and 2 check bytes in Crockford's base32 (no I, L, O, U), in groups
// of 5, so that one read aloud or typed from paper is checked before it is used.
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

export function recoveryCode(orgKey: Buffer): string {
  const check = createHmac('sha256', 'presence recovery code').update(orgKey).digest().subarray(0, 2);
  const bytes = Buffer.concat([orgKey, check]);
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += ALPHABET[(value << (5 - bits)) & 31];
  return out.match(/.{1,5}/g)!.join('-');
}

export function orgKeyFromRecoveryCode(code: string): Buffer {
  const clean = code.toUpperCase().replace(/[\s-]/g, '').replace(/O/g, '0').replace(/[IL]/g, '1');
  const bad = () =>
    new AppError(
      'INVALID_INPUT',
      'That recovery code is not valid: check it against the one shown by presence hub init (groups of 5 letters and digits).',
      { path: 'recoveryCode' },
    );
  let bits = 0;
  let value = 0;
  const bytes: number[] = [];
  for (const ch of clean) {
    const v = ALPHABET.indexOf(ch);
    if (v < 0) throw bad();
    value = ((value << 5) | v) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      bytes.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  if (bytes.length !== ORG_KEY_BYTES + 2) throw bad();
  const key = Buffer.from(bytes.slice(0, ORG_KEY_BYTES));
  // The two check bytes (and the padding bits) must be the ones this key gives.
  if (recoveryCode(key).replace(/-/g, '') !== clean) throw bad();
  return key;
}

// The encrypted backup file: a copy of the database that only its passphrase opens.
//
// Layout (numbers big-endian):
//   magic "PRESENCE BACKUP\n" (16) | format version (1) | kdf id, 1 = scrypt (1) | log2 N (1) | r (1) | p (1)
//   | salt length (1) | salt
//   | wrap IV (12) | wrapped keys (64 + 16: the template key and this file's data key, AES-256-GCM under
//     the scrypt key; AAD = every byte before the wrap IV)
//   | created at, ms since 1970 (8) | schema version (4) | database bytes (8) | data IV (12)
//   | the database, AES-256-GCM under the file's data key (AAD = the whole header) | tag (16)
// The template key travels inside because the templates in the database are encrypted with it: a backup
// that needs a second file beside it would be restored without it. Each file has its own data key, so a
// key derived once and kept for scheduled backups (domain/backup.ts) never encrypts two databases itself.
// Nothing is written where it is asked for until it is whole: output goes to a temporary file beside it,
// synced, then renamed into place.

import { createCipheriv, createDecipheriv, randomBytes, scrypt } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { AppError } from '../../shared/errors';
import { KEY_BYTES } from './key-provider';

const MAGIC = Buffer.from('PRESENCE BACKUP\n', 'ascii');
const FORMAT_VERSION = 1;
const KDF_SCRYPT = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const SALT_BYTES = 16;
const WRAPPED_BYTES = 2 * KEY_BYTES + TAG_BYTES;
/** The smallest and largest header a reader accepts before it allocates anything else. */
const FIXED_PREFIX = MAGIC.length + 6;
const MAX_HEADER = FIXED_PREFIX + 255 + IV_BYTES + WRAPPED_BYTES + 8 + 4 + 8 + IV_BYTES;

export interface ScryptParams {
  /** N = 2^log2N: the cost in memory (128·N·r bytes) and time. */
  log2N: number;
  r: number;
  p: number;
}

/** 128 MiB and about half a second per derivation: once per backup command, once per schedule set up. */
export const BACKUP_SCRYPT: Readonly<ScryptParams> = Object.freeze({ log2N: 17, r: 8, p: 1 });

/** What a file may ask of the reader: weaker (older, tests) is read; a memory bomb is refused. */
const SCRYPT_LIMITS = { log2N: [10, 20], r: [1, 32], p: [1, 16], memory: 1024 * 1024 * 1024 } as const;

/** The key a passphrase gives, with what derives it again from the same passphrase. */
export interface PassphraseKey {
  params: ScryptParams;
  salt: Buffer;
  key: Buffer;
}

export interface BackupHeader {
  params: ScryptParams;
  salt: Buffer;
  createdAt: Date;
  /** PRAGMA user_version of the database inside. */
  schemaVersion: number;
  /** The size of the database inside. */
  dataBytes: number;
  /** The size of the header: the encrypted database starts here. */
  headerBytes: number;
}

/** A backup whose passphrase was right: its header and the keys inside. */
export interface UnlockedBackup {
  file: string;
  header: BackupHeader;
  /** The template key of the database inside. */
  templateKey: Buffer;
  readonly dataKey: Buffer;
  readonly raw: Buffer;
}

function scryptMemory(p: ScryptParams): number {
  return 128 * 2 ** p.log2N * p.r;
}

function withinLimits(p: ScryptParams): boolean {
  const inRange = (v: number, [lo, hi]: readonly [number, number]) => Number.isInteger(v) && v >= lo && v <= hi;
  return (
    inRange(p.log2N, SCRYPT_LIMITS.log2N) &&
    inRange(p.r, SCRYPT_LIMITS.r) &&
    inRange(p.p, SCRYPT_LIMITS.p) &&
    scryptMemory(p) <= SCRYPT_LIMITS.memory
  );
}

/** scrypt (node:crypto, off the event loop) of the passphrase as NFC UTF-8: typed alike on any keyboard. */
export function derivePassphraseKey(
  passphrase: string,
  params: ScryptParams = BACKUP_SCRYPT,
  salt: Buffer = randomBytes(SALT_BYTES),
): Promise<PassphraseKey> {
  if (!withinLimits(params)) throw new Error(`scrypt parameters out of range: ${JSON.stringify(params)}`);
  const N = 2 ** params.log2N;
  return new Promise((resolve, reject) => {
    scrypt(
      Buffer.from(passphrase.normalize('NFC'), 'utf8'),
      salt,
      KEY_BYTES,
      { N, r: params.r, p: params.p, maxmem: 2 * scryptMemory(params) + 1024 * 1024 },
      (err, key) => (err ? reject(err) : resolve({ params: { ...params }, salt: Buffer.from(salt), key })),
    );
  });
}

function uint64(n: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(n));
  return b;
}

function uint32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

function kdfPrefix(params: ScryptParams, salt: Buffer): Buffer {
  return Buffer.concat([
    MAGIC,
    Buffer.from([FORMAT_VERSION, KDF_SCRYPT, params.log2N, params.r, params.p, salt.length]),
    salt,
  ]);
}

function notABackup(file: string): AppError {
  return new AppError(
    'BACKUP_INVALID',
    `${file} is not a Presence backup. Choose a file written by \`presence backup\` or by the scheduled backups (named presence-backup-….pbak).`,
  );
}

function damaged(file: string, what: string): AppError {
  return new AppError(
    'BACKUP_INVALID',
    `${file} is damaged (${what}), so it cannot be restored; nothing was changed. Use another copy of this backup, or an older one.`,
  );
}

/** Reads and checks the header; says which of "not a backup", "newer format", "cut short" the file is. */
export async function readBackupHeader(file: string): Promise<BackupHeader & { raw: Buffer; wrapIv: Buffer }> {
  let handle: fs.promises.FileHandle;
  try {
    handle = await fs.promises.open(file, 'r');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new AppError(
      code === 'ENOENT' ? 'NOT_FOUND' : 'BACKUP_INVALID',
      code === 'ENOENT'
        ? `There is no file ${file}: check the path of the backup.`
        : `${file} cannot be read (${code ?? (e as Error).message}): check that it is a file you may read.`,
    );
  }
  try {
    const size = (await handle.stat()).size;
    const head = Buffer.alloc(Math.min(size, MAX_HEADER));
    await handle.read(head, 0, head.length, 0);
    if (head.length < FIXED_PREFIX || !head.subarray(0, MAGIC.length).equals(MAGIC)) throw notABackup(file);
    let at = MAGIC.length;
    const version = head[at++]!;
    if (version !== FORMAT_VERSION)
      throw new AppError(
        'BACKUP_INVALID',
        `${file} was written by a newer version of Presence (backup format ${version}). Update Presence, then restore it.`,
      );
    const kdf = head[at++]!;
    const params: ScryptParams = { log2N: head[at++]!, r: head[at++]!, p: head[at++]! };
    const saltLength = head[at++]!;
    if (kdf !== KDF_SCRYPT || !withinLimits(params) || saltLength < 16) throw damaged(file, 'its key settings');
    const need = at + saltLength + IV_BYTES + WRAPPED_BYTES + 8 + 4 + 8 + IV_BYTES;
    if (head.length < need) throw damaged(file, 'it is cut short inside its header');
    const salt = Buffer.from(head.subarray(at, (at += saltLength)));
    const wrapIv = Buffer.from(head.subarray(at, (at += IV_BYTES)));
    at += WRAPPED_BYTES;
    const createdAt = new Date(Number(head.readBigUInt64BE(at)));
    at += 8;
    const schemaVersion = head.readUInt32BE(at);
    at += 4;
    const dataBytes = Number(head.readBigUInt64BE(at));
    at += 8 + IV_BYTES;
    const headerBytes = at;
    const expected = headerBytes + dataBytes + TAG_BYTES;
    if (size < expected)
      throw damaged(
        file,
        `it is cut short: ${size} bytes of the ${expected} it should have, as if a copy was interrupted`,
      );
    if (size > expected) throw damaged(file, `${size - expected} bytes more than it should have`);
    return {
      params,
      salt,
      createdAt,
      schemaVersion,
      dataBytes,
      headerBytes,
      wrapIv,
      raw: Buffer.from(head.subarray(0, headerBytes)),
    };
  } finally {
    await handle.close();
  }
}

/** The keys inside, when the passphrase is right; BACKUP_PASSPHRASE when it is not. Writes nothing. */
export async function unlockBackup(file: string, passphrase: string): Promise<UnlockedBackup> {
  const header = await readBackupHeader(file);
  const { key } = await derivePassphraseKey(passphrase, header.params, header.salt);
  return unlockWith(file, header, key);
}

function unlockWith(file: string, header: BackupHeader & { raw: Buffer; wrapIv: Buffer }, key: Buffer): UnlockedBackup {
  const prefixEnd = header.raw.length - (IV_BYTES + WRAPPED_BYTES + 8 + 4 + 8 + IV_BYTES);
  const wrapped = header.raw.subarray(prefixEnd + IV_BYTES, prefixEnd + IV_BYTES + WRAPPED_BYTES);
  const decipher = createDecipheriv('aes-256-gcm', key, header.wrapIv, { authTagLength: TAG_BYTES });
  decipher.setAAD(header.raw.subarray(0, prefixEnd));
  decipher.setAuthTag(wrapped.subarray(2 * KEY_BYTES));
  let keys: Buffer;
  try {
    keys = Buffer.concat([decipher.update(wrapped.subarray(0, 2 * KEY_BYTES)), decipher.final()]);
  } catch {
    throw new AppError(
      'BACKUP_PASSPHRASE',
      `The passphrase does not open this backup (${file}). Check it (letters, case, spaces) and try again; nothing was changed.`,
    );
  }
  const { params, salt, createdAt, schemaVersion, dataBytes, headerBytes } = header;
  return {
    file,
    header: { params, salt, createdAt, schemaVersion, dataBytes, headerBytes },
    templateKey: keys.subarray(0, KEY_BYTES),
    dataKey: keys.subarray(KEY_BYTES),
    raw: header.raw,
  };
}

/** A temporary name beside `file`, so the final rename stays on one file system. */
function tempBeside(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.partial-${randomBytes(6).toString('hex')}`);
}

/** Writes through `write` into a private temporary file, syncs it and renames it to `file`; on failure, removes it. */
async function writeWhole(file: string, write: (handle: fs.promises.FileHandle) => Promise<void>): Promise<void> {
  const temp = tempBeside(file);
  const handle = await fs.promises.open(temp, 'wx', 0o600);
  try {
    await write(handle);
    await handle.sync();
    await handle.close();
    await fs.promises.rename(temp, file);
  } catch (e) {
    await handle.close().catch(() => undefined);
    await fs.promises.rm(temp, { force: true });
    throw e;
  }
  // The rename is durable once the folder is synced; not every platform or file system lets a folder be opened.
  try {
    const dir = await fs.promises.open(path.dirname(file), 'r');
    await dir.sync().finally(() => dir.close());
  } catch {
    // best effort
  }
}

export interface EncryptBackupOptions {
  /** The consistent copy of the database to encrypt (a private temporary file). */
  plainFile: string;
  out: string;
  passphraseKey: PassphraseKey;
  templateKey: Buffer;
  schemaVersion: number;
  createdAt: Date;
}

/** Encrypts `plainFile` into a new backup at `out` (which must not exist yet); returns its size. */
export async function encryptBackup(opts: EncryptBackupOptions): Promise<{ bytes: number }> {
  const { passphraseKey: pk } = opts;
  if (opts.templateKey.length !== KEY_BYTES) throw new Error('template key must be 32 bytes');
  if (fs.existsSync(opts.out))
    throw new AppError(
      'CONFLICT',
      `There is already a file at ${opts.out}. Choose another name, or move that file away: a backup never replaces a file.`,
    );
  const dataBytes = (await fs.promises.stat(opts.plainFile)).size;
  const dataKey = randomBytes(KEY_BYTES);
  const prefix = kdfPrefix(pk.params, pk.salt);
  const wrapIv = randomBytes(IV_BYTES);
  const wrap = createCipheriv('aes-256-gcm', pk.key, wrapIv, { authTagLength: TAG_BYTES });
  wrap.setAAD(prefix);
  const wrapped = Buffer.concat([
    wrap.update(Buffer.concat([opts.templateKey, dataKey])),
    wrap.final(),
    wrap.getAuthTag(),
  ]);
  const dataIv = randomBytes(IV_BYTES);
  const header = Buffer.concat([
    prefix,
    wrapIv,
    wrapped,
    uint64(opts.createdAt.getTime()),
    uint32(opts.schemaVersion),
    uint64(dataBytes),
    dataIv,
  ]);
  const cipher = createCipheriv('aes-256-gcm', dataKey, dataIv, { authTagLength: TAG_BYTES });
  cipher.setAAD(header);
  let written = 0;
  await writeWhole(opts.out, async (out) => {
    await out.write(header);
    for await (const chunk of fs.createReadStream(opts.plainFile)) {
      const c = cipher.update(chunk as Buffer);
      written += (chunk as Buffer).length;
      if (c.length) await out.write(c);
    }
    // The copy is private and closed: a size that moved means it is not the file that was checked.
    if (written !== dataBytes) throw new Error(`the database copy changed while it was encrypted (${opts.plainFile})`);
    const last = cipher.final();
    if (last.length) await out.write(last);
    await out.write(cipher.getAuthTag());
  });
  dataKey.fill(0);
  return { bytes: header.length + dataBytes + TAG_BYTES };
}

/**
 * Decrypts an unlocked backup's database into `out` (created 0600, must not exist yet). The tag at the end
 * authenticates everything: until it does, the bytes stay in a temporary file that is then removed.
 */
export async function decryptBackup(backup: UnlockedBackup, out: string): Promise<void> {
  const { header, file } = backup;
  const tag = Buffer.alloc(TAG_BYTES);
  const handle = await fs.promises.open(file, 'r');
  try {
    await handle.read(tag, 0, TAG_BYTES, header.headerBytes + header.dataBytes);
  } finally {
    await handle.close();
  }
  const decipher = createDecipheriv('aes-256-gcm', backup.dataKey, backup.raw.subarray(header.headerBytes - IV_BYTES), {
    authTagLength: TAG_BYTES,
  });
  decipher.setAAD(backup.raw);
  decipher.setAuthTag(tag);
  await writeWhole(out, async (to) => {
    if (header.dataBytes > 0) {
      const stream = fs.createReadStream(file, {
        start: header.headerBytes,
        end: header.headerBytes + header.dataBytes - 1,
      });
      for await (const chunk of stream) {
        const c = decipher.update(chunk as Buffer);
        if (c.length) await to.write(c);
      }
    }
    try {
      decipher.final();
    } catch {
      throw damaged(file, 'its contents do not match their authentication tag: altered, or damaged in storage');
    }
  });
}

// Where the 32-byte template encryption key comes from.
// The desktop app keeps it encrypted by the OS through Electron safeStorage; CLI and `presence serve`
// keep it in a 0600 file beside the database (`<db path>.key`). Both create a random key on first use,
// but never for a database that already holds encrypted data: a new key cannot read it, and templates
// enrolled with it would leave the database encrypted under two keys.

import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { AppError } from '../../shared/errors';

export const KEY_BYTES = 32;

export interface KeyOptions {
  /** false when the database already holds encrypted data: a missing key is then an error. Default true. */
  mayCreate?: boolean;
}

export interface KeyProvider {
  /** The 32-byte AES-256 key; created on first use when `mayCreate` allows. */
  getKey(options?: KeyOptions): Buffer;
  /** One line for logs and `app.info`: where the key lives. Never the key itself. */
  describe(): string;
}

/** The part of Electron's `safeStorage` we use, so this module never imports electron and stays testable. */
export interface SafeStorageLike {
  isEncryptionAvailable(): boolean;
  encryptString(plainText: string): Buffer;
  decryptString(encrypted: Buffer): string;
}

/** Key file path used by CLI and serve mode for a given database file. */
export function keyFilePathFor(dbPath: string): string {
  return `${dbPath}.key`;
}

/** The desktop app's sealed key, beside the database. */
export const SEALED_KEY_FILE = 'template-key.sealed';

export function sealedKeyPathFor(dbPath: string): string {
  return path.join(path.dirname(dbPath), SEALED_KEY_FILE);
}

function readKeyFile(file: string): Buffer {
  const key = fs.readFileSync(file);
  if (key.length !== KEY_BYTES) {
    throw new AppError(
      'INTERNAL',
      `The key file ${file} holds ${key.length} bytes, but a template key is exactly ${KEY_BYTES} bytes. Restore the original key file; without it the stored face templates cannot be read.`,
    );
  }
  return key;
}

/**
 * Writes `data` to `file` only if it does not exist yet (mode 0600, parent created with 0700).
 * Returns false when another process won the race, so the caller reads that process's key instead.
 */
function writeNewSecretFile(file: string, data: Buffer): boolean {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  try {
    fs.writeFileSync(file, data, { mode: 0o600, flag: 'wx' });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  }
  // The mode given to open() is filtered by the umask; make the intent explicit.
  if (process.platform !== 'win32') fs.chmodSync(file, 0o600);
  return true;
}

export class FileKeyProvider implements KeyProvider {
  readonly keyPath: string;
  #key: Buffer | undefined;

  constructor(keyPath: string) {
    this.keyPath = path.resolve(keyPath);
  }

  getKey(options: KeyOptions = {}): Buffer {
    if (this.#key) return Buffer.from(this.#key);
    if (!fs.existsSync(this.keyPath)) {
      // Beside the desktop app's sealed key, a key of our own would encrypt what the app cannot read,
      // even while the database is still empty.
      const sealedBeside = fs.existsSync(path.join(path.dirname(this.keyPath), SEALED_KEY_FILE));
      if (options.mayCreate === false || sealedBeside) throw this.#missing();
      writeNewSecretFile(this.keyPath, randomBytes(KEY_BYTES));
    }
    this.#assertPrivate();
    const key = readKeyFile(this.keyPath);
    this.#key = key;
    return Buffer.from(key);
  }

  #missing(): AppError {
    const sealed = path.join(path.dirname(this.keyPath), SEALED_KEY_FILE);
    if (fs.existsSync(sealed)) {
      return new AppError(
        'KEY_MISSING',
        `This database was set up by the Presence desktop app, whose template key is sealed by the operating system's key store (${sealed}); the command line cannot unlock it. Open the database from the desktop app instead.`,
      );
    }
    return new AppError(
      'KEY_MISSING',
      `The face templates in this database are encrypted, but their key file ${this.keyPath} is missing. Restore it from the backup made together with the database; a new key could not read them.`,
    );
  }

  describe(): string {
    return `key file ${this.keyPath}`;
  }

  // Anyone who can read the key can read every face template, so a group/world-readable file is refused
  // rather than silently used. Windows has no POSIX mode bits; ACLs there are the user's profile folder.
  #assertPrivate(): void {
    if (process.platform === 'win32') return;
    const mode = fs.statSync(this.keyPath).mode & 0o777;
    if ((mode & 0o077) !== 0) {
      throw new AppError(
        'INTERNAL',
        `The key file ${this.keyPath} can be read by other users (mode ${mode.toString(8).padStart(4, '0')}). Run \`chmod 600 "${this.keyPath}"\` and try again.`,
        { mode: mode.toString(8) },
      );
    }
  }
}

export class SafeStorageKeyProvider implements KeyProvider {
  readonly encryptedKeyPath: string;
  readonly #safeStorage: SafeStorageLike;
  #key: Buffer | undefined;

  /**
   * @param adoptKeyFile a database first used from the command line or `presence serve` has its key in
   *   this file; the desktop app then seals that key instead of making a new one, so both can open it.
   */
  constructor(
    safeStorage: SafeStorageLike,
    encryptedKeyPath: string,
    private readonly adoptKeyFile?: string,
  ) {
    this.#safeStorage = safeStorage;
    this.encryptedKeyPath = path.resolve(encryptedKeyPath);
  }

  getKey(options: KeyOptions = {}): Buffer {
    if (this.#key) return Buffer.from(this.#key);
    if (!this.#safeStorage.isEncryptionAvailable()) {
      throw new AppError(
        'INTERNAL',
        'The operating system key store is not available, so the face template key cannot be protected. On Linux, unlock or install a keyring (GNOME Keyring or KWallet) and start Presence again.',
      );
    }
    if (!fs.existsSync(this.encryptedKeyPath)) {
      const adopted = this.adoptKeyFile && fs.existsSync(this.adoptKeyFile) ? readKeyFile(this.adoptKeyFile) : null;
      if (!adopted && options.mayCreate === false) {
        throw new AppError(
          'KEY_MISSING',
          `The face templates in this database are encrypted, but the sealed key ${this.encryptedKeyPath} is missing. Restore it (and this computer's key store) from the backup made together with the database; a new key could not read them.`,
        );
      }
      // safeStorage encrypts strings, so the key travels as base64.
      const sealed = this.#safeStorage.encryptString((adopted ?? randomBytes(KEY_BYTES)).toString('base64'));
      writeNewSecretFile(this.encryptedKeyPath, sealed);
    }
    let key: Buffer;
    try {
      key = Buffer.from(this.#safeStorage.decryptString(fs.readFileSync(this.encryptedKeyPath)), 'base64');
    } catch {
      throw new AppError(
        'INTERNAL',
        `The key in ${this.encryptedKeyPath} could not be unlocked by the operating system key store. It was probably created by another user account or machine; restore that account's key store or start with a fresh data folder.`,
      );
    }
    if (key.length !== KEY_BYTES) {
      throw new AppError(
        'INTERNAL',
        `The key stored in ${this.encryptedKeyPath} is ${key.length} bytes instead of ${KEY_BYTES}; the file is damaged. Restore it from a backup.`,
      );
    }
    this.#key = key;
    return Buffer.from(key);
  }

  describe(): string {
    return `OS key store (Electron safeStorage), sealed key at ${this.encryptedKeyPath}`;
  }
}

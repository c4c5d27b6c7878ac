import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  FileKeyProvider,
  keyFilePathFor,
  SafeStorageKeyProvider,
  SEALED_KEY_FILE,
  type SafeStorageLike,
} from '../../src/main/security/key-provider';

const posix = process.platform !== 'win32';
let dir: string;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'presence-keys-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('FileKeyProvider', () => {
  it('creates a random 32-byte key file with mode 0600 and returns the same key afterwards', () => {
    const keyPath = keyFilePathFor(path.join(dir, 'sub', 'presence.db'));
    expect(keyPath.endsWith('presence.db.key')).toBe(true);
    const key = new FileKeyProvider(keyPath).getKey();
    expect(key.length).toBe(32);
    if (posix) expect(fs.statSync(keyPath).mode & 0o777).toBe(0o600);
    expect(new FileKeyProvider(keyPath).getKey().equals(key)).toBe(true);
    expect(new FileKeyProvider(path.join(dir, 'other.key')).getKey().equals(key)).toBe(false);
  });

  it.skipIf(!posix)('refuses a key file other users can read, and says how to fix it', () => {
    const keyPath = path.join(dir, 'presence.db.key');
    fs.writeFileSync(keyPath, Buffer.alloc(32, 7));
    fs.chmodSync(keyPath, 0o644);
    expect(() => new FileKeyProvider(keyPath).getKey()).toThrow(/chmod 600/);
    fs.chmodSync(keyPath, 0o600);
    expect(new FileKeyProvider(keyPath).getKey().equals(Buffer.alloc(32, 7))).toBe(true);
  });

  it('refuses a key file of the wrong length', () => {
    const keyPath = path.join(dir, 'short.key');
    fs.writeFileSync(keyPath, Buffer.alloc(16), { mode: 0o600 });
    expect(() => new FileKeyProvider(keyPath).getKey()).toThrow(/exactly 32 bytes/);
  });

  it('does not make a new key where data already needs the old one, and says where the key went', () => {
    const keyPath = path.join(dir, 'presence.db.key');
    expect(() => new FileKeyProvider(keyPath).getKey({ mayCreate: false })).toThrow(
      expect.objectContaining({ code: 'KEY_MISSING', message: expect.stringMatching(/Restore it from the backup/) }),
    );
    expect(fs.existsSync(keyPath)).toBe(false);
    // The database was set up by the desktop app: its key is sealed, out of the command line's reach.
    fs.writeFileSync(path.join(dir, SEALED_KEY_FILE), 'sealed:x');
    expect(() => new FileKeyProvider(keyPath).getKey({ mayCreate: false })).toThrow(
      /set up by the Presence desktop app/,
    );
    // Nor is a key of the command line's own made beside it while nothing is enrolled yet: the app
    // could not read what the command line enrolled with it.
    expect(() => new FileKeyProvider(keyPath).getKey()).toThrow(/set up by the Presence desktop app/);
    expect(fs.existsSync(keyPath)).toBe(false);
  });

  it('describes where the key lives without revealing it', () => {
    const p = new FileKeyProvider(path.join(dir, 'k.key'));
    const key = p.getKey();
    expect(p.describe()).toContain('k.key');
    expect(p.describe()).not.toContain(key.toString('hex'));
  });
});

// A fake stands in for Electron's safeStorage: this module must not import electron, and the OS key store
// is not available on CI. The fake "seals" with a marker + reversal so a wrong path would show.
class FakeSafeStorage implements SafeStorageLike {
  constructor(public available = true) {}
  isEncryptionAvailable(): boolean {
    return this.available;
  }
  encryptString(s: string): Buffer {
    return Buffer.from(`sealed:${[...s].reverse().join('')}`);
  }
  decryptString(b: Buffer): string {
    const text = b.toString();
    if (!text.startsWith('sealed:')) throw new Error('not sealed by this store');
    return [...text.slice('sealed:'.length)].reverse().join('');
  }
}

describe('SafeStorageKeyProvider', () => {
  it('creates a sealed key once and unseals the same key later', () => {
    const file = path.join(dir, 'template.key.sealed');
    const key = new SafeStorageKeyProvider(new FakeSafeStorage(), file).getKey();
    expect(key.length).toBe(32);
    expect(fs.readFileSync(file).toString().startsWith('sealed:')).toBe(true);
    expect(fs.readFileSync(file).includes(key)).toBe(false);
    if (posix) expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(new SafeStorageKeyProvider(new FakeSafeStorage(), file).getKey().equals(key)).toBe(true);
  });

  it('throws a clear error when the OS key store is unavailable, and writes nothing', () => {
    const file = path.join(dir, 'template.key.sealed');
    expect(() => new SafeStorageKeyProvider(new FakeSafeStorage(false), file).getKey()).toThrow(
      /key store is not available/,
    );
    expect(fs.existsSync(file)).toBe(false);
  });

  it('seals the key file of a database first used from the command line, so both open it', () => {
    const keyFile = path.join(dir, 'presence.db.key');
    const cliKey = new FileKeyProvider(keyFile).getKey();
    const sealedFile = path.join(dir, SEALED_KEY_FILE);
    const desktop = new SafeStorageKeyProvider(new FakeSafeStorage(), sealedFile, keyFile);
    expect(desktop.getKey({ mayCreate: false }).equals(cliKey)).toBe(true);
    expect(new SafeStorageKeyProvider(new FakeSafeStorage(), sealedFile).getKey().equals(cliKey)).toBe(true);
  });

  it('does not make a new sealed key where data already needs the old one', () => {
    const file = path.join(dir, SEALED_KEY_FILE);
    expect(() => new SafeStorageKeyProvider(new FakeSafeStorage(), file).getKey({ mayCreate: false })).toThrow(
      expect.objectContaining({ code: 'KEY_MISSING' }),
    );
    expect(fs.existsSync(file)).toBe(false);
  });

  it('reports a sealed key it cannot open', () => {
    const file = path.join(dir, 'template.key.sealed');
    fs.writeFileSync(file, 'garbage', { mode: 0o600 });
    expect(() => new SafeStorageKeyProvider(new FakeSafeStorage(), file).getKey()).toThrow(/could not be unlocked/);
  });
});

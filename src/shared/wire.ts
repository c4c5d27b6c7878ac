// Binary message codec for the loopback WebSocket transport.
// JSON cannot carry camera frames efficiently (base64 is a third bigger and slow to build), so every
// Uint8Array in a message travels as raw bytes after a JSON header that says where it belongs.
// Dependency-free on purpose (limits.ts is plain numbers): the browser client and the Node server both use it.
//
// Layout: [u32 LE header length][header JSON, UTF-8][blob 0][blob 1]...
// Header: { "v": <value with {"$blob": i} in place of each Uint8Array>, "b": [length of blob i, ...] }

import { MAX_WIRE_BLOBS, MAX_WIRE_HEADER_BYTES } from './limits';

const BLOB_KEY = '$blob';

export interface WireRequest {
  id: number;
  channel: string;
  input: unknown;
}

export interface WireResponse {
  id: number;
  result: unknown;
}

export function encodeMessage(value: unknown): Uint8Array {
  const blobs: Uint8Array[] = [];
  const json = JSON.stringify(value, function (this: unknown, key: string, v: unknown) {
    // JSON.stringify calls toJSON-less typed arrays with their index map; catch them first.
    const raw = (this as Record<string, unknown>)[key];
    if (raw instanceof Uint8Array) {
      blobs.push(raw);
      return { [BLOB_KEY]: blobs.length - 1 };
    }
    return v;
  });
  const header = new TextEncoder().encode(
    JSON.stringify({ v: json === undefined ? null : JSON.parse(json), b: blobs.map((b) => b.length) }),
  );
  const total = 4 + header.length + blobs.reduce((n, b) => n + b.length, 0);
  const out = new Uint8Array(total);
  new DataView(out.buffer).setUint32(0, header.length, true);
  out.set(header, 4);
  let offset = 4 + header.length;
  for (const b of blobs) {
    out.set(b, offset);
    offset += b.length;
  }
  return out;
}

/** Bounds a decoder checks before it allocates anything; the server's are REQUEST_LIMITS. */
export interface DecodeLimits {
  /** Largest JSON header, checked before it is parsed. */
  maxHeaderBytes?: number;
  /** Most blobs the header may list, checked before any is copied. */
  maxBlobs?: number;
}

/** What the server accepts in one request (answers from the server are bounded by the server itself). */
export const REQUEST_LIMITS: Readonly<Required<DecodeLimits>> = {
  maxHeaderBytes: MAX_WIRE_HEADER_BYTES,
  maxBlobs: MAX_WIRE_BLOBS,
};

/**
 * A message this codec refuses: `code` is one of the contract's stable error codes and the message a
 * sentence; `id` is the call's id when the header was read far enough to know it, so the server can
 * answer that call instead of dropping the connection.
 */
export class WireError extends Error {
  constructor(
    readonly code: 'INVALID_INPUT' | 'IMAGE_TOO_LARGE',
    message: string,
    readonly id?: number,
  ) {
    super(message);
    this.name = 'WireError';
  }
}

const MB = 1024 * 1024;

export function decodeMessage(bytes: Uint8Array, limits: DecodeLimits = {}): unknown {
  const maxHeaderBytes = limits.maxHeaderBytes ?? Infinity;
  const maxBlobs = limits.maxBlobs ?? Infinity;
  if (bytes.length < 4) throw new WireError('INVALID_INPUT', 'The message is too short to be a Presence request.');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getUint32(0, true);
  if (headerLength > maxHeaderBytes)
    throw new WireError(
      'INVALID_INPUT',
      `The message header is larger than ${maxHeaderBytes / MB} MB, more than any request needs: it was not read.`,
      peekId(bytes),
    );
  if (4 + headerLength > bytes.length) throw new WireError('INVALID_INPUT', 'The message header is cut off.');
  let header: { v?: unknown; b?: unknown };
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(4, 4 + headerLength))) as typeof header;
  } catch {
    throw new WireError('INVALID_INPUT', 'The message header is not valid JSON.');
  }
  if (header === null || typeof header !== 'object')
    throw new WireError('INVALID_INPUT', 'The message header is not an object.');
  const id = idOf(header.v);
  const table = header.b;
  if (!Array.isArray(table)) throw new WireError('INVALID_INPUT', 'The message header has no blob table.', id);
  // Every bound is checked on the table alone, before a single blob is copied.
  if (table.length > maxBlobs)
    throw new WireError(
      'INVALID_INPUT',
      `The message lists ${table.length} blobs; a request may carry at most ${maxBlobs}.`,
      id,
    );
  let end = 4 + headerLength;
  for (const length of table as unknown[]) {
    if (typeof length !== 'number' || !Number.isInteger(length) || length < 0)
      throw new WireError('INVALID_INPUT', 'The message header has an invalid blob size.', id);
    end += length;
    if (end > bytes.length)
      throw new WireError(
        'INVALID_INPUT',
        'A message blob is cut off: the blob table lists more bytes than the message holds.',
        id,
      );
  }
  const blobs: Uint8Array[] = [];
  let offset = 4 + headerLength;
  for (const length of table as number[]) {
    // Copy so the result does not pin the whole socket buffer and is a plain Uint8Array.
    blobs.push(bytes.slice(offset, offset + length));
    offset += length;
  }
  try {
    return revive(header.v, blobs);
  } catch (e) {
    if (e instanceof WireError) throw new WireError(e.code, e.message, id);
    // A header nested too deep to walk (RangeError) is as unreadable as broken JSON.
    throw new WireError('INVALID_INPUT', 'The message header is nested too deeply.', id);
  }
}

/**
 * The call id of a request, read from its header alone (blobs untouched), or undefined when it cannot be
 * known. A header too large to parse is read from its start, where encodeMessage puts the id.
 */
export function peekId(bytes: Uint8Array, maxHeaderBytes = MAX_WIRE_HEADER_BYTES): number | undefined {
  if (bytes.length < 4) return undefined;
  const headerLength = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(0, true);
  const available = Math.min(headerLength, bytes.length - 4);
  if (headerLength <= maxHeaderBytes && headerLength === available) {
    try {
      const header = JSON.parse(new TextDecoder().decode(bytes.subarray(4, 4 + headerLength))) as { v?: unknown };
      return idOf(header?.v);
    } catch {
      return undefined;
    }
  }
  const start = new TextDecoder().decode(bytes.subarray(4, 4 + Math.min(available, 64)));
  const match = /^\{"v":\{"id":(\d{1,15})[,}]/.exec(start);
  return match ? Number(match[1]) : undefined;
}

function idOf(v: unknown): number | undefined {
  if (v === null || typeof v !== 'object') return undefined;
  const id = (v as Record<string, unknown>).id;
  return typeof id === 'number' && Number.isFinite(id) ? id : undefined;
}

function revive(value: unknown, blobs: Uint8Array[]): unknown {
  if (Array.isArray(value)) return value.map((v) => revive(v, blobs));
  if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    const keys = Object.keys(record);
    if (keys.length === 1 && keys[0] === BLOB_KEY && typeof record[BLOB_KEY] === 'number') {
      const blob = blobs[record[BLOB_KEY]];
      if (!blob) throw new WireError('INVALID_INPUT', 'The message refers to a blob it does not carry.');
      return blob;
    }
    return Object.fromEntries(keys.map((k) => [k, revive(record[k], blobs)]));
  }
  return value;
}

/** Subprotocols the browser offers: the first names the protocol, the second carries the token. */
export const WIRE_PROTOCOL = 'presence.v1';
export const TOKEN_PROTOCOL_PREFIX = 'token.';

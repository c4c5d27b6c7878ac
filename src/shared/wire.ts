// Binary message codec for the loopback WebSocket transport.
// JSON cannot carry camera frames efficiently (base64 is a third bigger and slow to build), so every
// Uint8Array in a message travels as raw bytes after a JSON header that says where it belongs.
// Dependency-free on purpose: the browser client and the Node server both use it.
//
// Layout: [u32 LE header length][header JSON, UTF-8][blob 0][blob 1]...
// Header: { "v": <value with {"$blob": i} in place of each Uint8Array>, "b": [length of blob i, ...] }

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

export function decodeMessage(bytes: Uint8Array): unknown {
  if (bytes.length < 4) throw new Error('Message too short.');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getUint32(0, true);
  if (4 + headerLength > bytes.length) throw new Error('Message header is cut off.');
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(4, 4 + headerLength))) as {
    v: unknown;
    b: unknown;
  };
  if (!Array.isArray(header.b) || !header.b.every((n) => Number.isInteger(n) && n >= 0)) {
    throw new Error('Message header has no valid blob table.');
  }
  const blobs: Uint8Array[] = [];
  let offset = 4 + headerLength;
  for (const length of header.b as number[]) {
    if (offset + length > bytes.length) throw new Error('Message blob is cut off.');
    // Copy so the result does not pin the whole socket buffer and is a plain Uint8Array.
    blobs.push(bytes.slice(offset, offset + length));
    offset += length;
  }
  return revive(header.v, blobs);
}

function revive(value: unknown, blobs: Uint8Array[]): unknown {
  if (Array.isArray(value)) return value.map((v) => revive(v, blobs));
  if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    const keys = Object.keys(record);
    if (keys.length === 1 && keys[0] === BLOB_KEY && typeof record[BLOB_KEY] === 'number') {
      const blob = blobs[record[BLOB_KEY]];
      if (!blob) throw new Error('Message refers to a missing blob.');
      return blob;
    }
    return Object.fromEntries(keys.map((k) => [k, revive(record[k], blobs)]));
  }
  return value;
}

/** Subprotocols the browser offers: the first names the protocol, the second carries the token. */
export const WIRE_PROTOCOL = 'presence.v1';
export const TOKEN_PROTOCOL_PREFIX = 'token.';

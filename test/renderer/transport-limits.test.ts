// The web transport refuses a call too large for `presence serve` before sending it: the server would
// have to refuse it anyway, and the upload alone would hold up the kiosk page's other calls.
import { describe, expect, it } from 'vitest';
import { WebTransport } from '../../src/renderer/lib/transport-ws';
import { MAX_WIRE_MESSAGE_BYTES } from '../../src/shared/limits';

class FakeSocket {
  readyState = 0;
  bufferedAmount = 0;
  binaryType = 'blob';
  sent: Uint8Array[] = [];
  onopen: (() => void) | null = null;
  onmessage: ((e: { data: unknown }) => void) | null = null;
  onclose: ((e: { code: number }) => void) | null = null;
  send(bytes: Uint8Array): void {
    this.sent.push(bytes);
  }
  close(): void {}
}

describe('web transport limits', () => {
  it('answers a call over the message limit with IMAGE_TOO_LARGE and the limit, and sends nothing', async () => {
    let socket: FakeSocket | null = null;
    const t = new WebTransport({
      url: 'ws://127.0.0.1:1/api',
      token: 'abc123',
      lostMessage: () => 'lost',
      unauthorizedMessage: () => 'unauthorized',
      createSocket: () => (socket = new FakeSocket()) as unknown as WebSocket,
    });
    const photo = new Uint8Array(MAX_WIRE_MESSAGE_BYTES + 1);
    const r = await t.call('enroll.importPhotos', { photos: [{ name: 'big.jpg', bytes: photo }] });
    expect(r).toMatchObject({ ok: false, error: { code: 'IMAGE_TOO_LARGE' } });
    if (r.ok) throw new Error('unreachable');
    expect(r.error.message).toContain(`${MAX_WIRE_MESSAGE_BYTES / 1024 / 1024} MB`);
    socket!.readyState = 1;
    socket!.onopen?.();
    expect(socket!.sent).toHaveLength(0);
    t.close();
  });
});

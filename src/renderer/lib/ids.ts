// Names a screen gives itself when it talks to main: a wizard capture, a kiosk station.

/**
 * A random UUID (v4). crypto.randomUUID exists only in secure contexts, and a tablet may open the kiosk
 * over plain http on the local network; getRandomValues exists everywhere.
 */
export function sessionId(): string {
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

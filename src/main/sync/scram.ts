// A PostgreSQL SCRAM-SHA-256 password verifier (RFC 5802/7677, as PostgreSQL stores it), made here, so that
// CREATE ROLE / ALTER ROLE send the server the verifier and never the password itself: a station's
// password (which is also how its join code opens the organisation key) does not appear in the server's
// statement log or its activity view.
import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';

const ITERATIONS = 4096;

export function scramVerifier(password: string): string {
  const salt = randomBytes(16);
  const salted = pbkdf2Sync(password.normalize('NFKC'), salt, ITERATIONS, 32, 'sha256');
  const clientKey = createHmac('sha256', salted).update('Client Key').digest();
  const storedKey = createHash('sha256').update(clientKey).digest();
  const serverKey = createHmac('sha256', salted).update('Server Key').digest();
  return `SCRAM-SHA-256$${ITERATIONS}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`;
}

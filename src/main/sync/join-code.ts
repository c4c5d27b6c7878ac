// A join code: what `presence hub add-station` gives the administrator to type (or paste) at the new
// station. It carries the station's id and two one-time secrets: its role's first password (which the
// hub's server only ever sees as a SCRAM verifier) and the one its copy of the organisation key is wrapped
// under (which never reaches the hub), as `PJ1-` + base64url(16 id bytes | 24 login bytes | 24 key bytes).
import { AppError } from '../../shared/errors';

const PREFIX = 'PJ1-';

export interface JoinSecrets {
  stationId: string;
  /** The station role's first password. */
  login: string;
  /** What the station's copy of the organisation key is wrapped under. */
  key: string;
}

export function encodeJoinCode(s: JoinSecrets): string {
  const id = Buffer.from(s.stationId.replace(/-/g, ''), 'hex');
  return (
    PREFIX +
    Buffer.concat([id, Buffer.from(s.login, 'base64url'), Buffer.from(s.key, 'base64url')]).toString('base64url')
  );
}

export function decodeJoinCode(code: string): JoinSecrets {
  const text = code.trim();
  const bytes = text.startsWith(PREFIX) ? Buffer.from(text.slice(PREFIX.length), 'base64url') : Buffer.alloc(0);
  if (bytes.length !== 64)
    throw new AppError(
      'INVALID_INPUT',
      'That is not a join code: it starts with PJ1- and comes from presence hub add-station.',
      {
        path: 'code',
      },
    );
  const hex = bytes.subarray(0, 16).toString('hex');
  const stationId = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  return {
    stationId,
    login: bytes.subarray(16, 40).toString('base64url'),
    key: bytes.subarray(40).toString('base64url'),
  };
}

/** A station's login role: named after the database and the station, within PostgreSQL's 63 characters. */
export function stationRoleName(database: string, stationId: string): string {
  return `presence_${database.slice(0, 30)}_st_${stationId.replace(/-/g, '').slice(0, 16)}`;
}

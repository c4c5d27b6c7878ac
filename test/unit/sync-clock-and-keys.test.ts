// The hybrid logical clock (sync/hlc.ts) and the organisation key's encodings (sync/org-key.ts,
// sync/join-code.ts): pure code, tested on its own; the hub itself is in test/integration/sync.test.ts.
import { describe, expect, it } from 'vitest';
import { HybridLogicalClock, compareHlc, formatHlc, parseHlc } from '../../src/main/sync/hlc';
import {
  newOrgKey,
  open,
  orgKeyFromRecoveryCode,
  recoveryCode,
  seal,
  unwrapOrgKey,
  wrapOrgKey,
} from '../../src/main/sync/org-key';
import { decodeJoinCode, encodeJoinCode } from '../../src/main/sync/join-code';

const A = 'aaaaaaaa-0000-4000-8000-000000000000';
const B = 'bbbbbbbb-0000-4000-8000-000000000000';

describe('the hybrid logical clock', () => {
  it('never goes back, even when the wall clock does, and its text sorts as it does', () => {
    let wall = 1_000_000;
    const c = new HybridLogicalClock(A, null, () => wall);
    const s1 = c.tick();
    wall -= 500; // the system clock is set back
    const s2 = c.tick();
    const s3 = c.tick();
    wall += 10_000;
    const s4 = c.tick();
    expect([s1, s2, s3, s4].every((s, i, all) => i === 0 || compareHlc(all[i - 1]!, s) < 0)).toBe(true);
    expect(parseHlc(s2)).toEqual({ ms: 1_000_000, counter: 1, station: A });
    expect(parseHlc(s4)).toEqual({ ms: 1_009_500, counter: 0, station: A });
    expect(formatHlc(parseHlc(s3)!)).toBe(s3);
  });

  it('stamps a change after a stamp it received from a station an hour ahead', () => {
    const now = 5_000_000_000;
    const ahead = new HybridLogicalClock(B, null, () => now + 3_600_000);
    const behind = new HybridLogicalClock(A, null, () => now - 3_600_000);
    const theirs = ahead.tick();
    behind.receive(theirs);
    const mine = behind.stampAt(now - 3_600_000 + 5);
    expect(compareHlc(theirs, mine)).toBeLessThan(0);
    // Persisted and read back, the clock goes on from where it was.
    const again = new HybridLogicalClock(A, behind.current(), () => now - 3_600_000);
    expect(compareHlc(mine, again.tick())).toBeLessThan(0);
  });

  it('is not dragged along by a stamp more than a day ahead, nor by text that is no stamp', () => {
    const c = new HybridLogicalClock(A, null, () => 1_000_000_000_000);
    const before = c.current();
    expect(c.receive(formatHlc({ ms: 1_000_000_000_000 + 2 * 86_400_000, counter: 0, station: B }))).toBe(false);
    expect(c.receive("1'; DROP TABLE x")).toBe(false);
    expect(c.current()).toBe(before);
    expect(c.receive(formatHlc({ ms: 1_000_000_000_000 + 3_600_000, counter: 4, station: B }))).toBe(true);
    expect(parseHlc(c.current())).toMatchObject({ ms: 1_000_000_000_000 + 3_600_000, counter: 4 });
  });
});

describe('the organisation key', () => {
  it('round-trips through its recovery code, and a typo is caught', () => {
    const key = newOrgKey();
    const code = recoveryCode(key);
    expect(code).toMatch(/^[0-9A-HJKMNP-TV-Z]{5}(-[0-9A-HJKMNP-TV-Z]{1,5}){10}$/);
    expect(orgKeyFromRecoveryCode(code.toLowerCase().replace(/-/g, ' '))).toEqual(key);
    const typo = (code[0] === 'A' ? 'B' : 'A') + code.slice(1);
    expect(() => orgKeyFromRecoveryCode(typo)).toThrow(/recovery code is not valid/);
  });

  it('wraps under a secret, opens only with it, and seals records bound to their name', () => {
    const key = newOrgKey();
    const wrapped = wrapOrgKey(key, 'secret', 'join:1');
    expect(unwrapOrgKey(wrapped, 'secret', 'join:1')).toEqual(key);
    expect(unwrapOrgKey(wrapped, 'other', 'join:1')).toBeNull();
    expect(unwrapOrgKey(wrapped, 'secret', 'join:2')).toBeNull();
    const box = seal(key, Buffer.from('Ada Lovelace'), 'record:person:1:stamp');
    expect(box.includes(Buffer.from('Ada'))).toBe(false);
    expect(open(key, box, 'record:person:1:stamp')?.toString()).toBe('Ada Lovelace');
    // Moved to another record (another AAD), or with another key: refused.
    expect(open(key, box, 'record:person:2:stamp')).toBeNull();
    expect(open(newOrgKey(), box, 'record:person:1:stamp')).toBeNull();
  });

  it('carries a station id and its secret in a join code', () => {
    const secrets = {
      stationId: A,
      login: Buffer.alloc(24, 7).toString('base64url'),
      key: Buffer.alloc(24, 9).toString('base64url'),
    };
    const code = encodeJoinCode(secrets);
    expect(code).toMatch(/^PJ1-[A-Za-z0-9_-]{86}$/);
    expect(decodeJoinCode(` ${code} `)).toEqual(secrets);
    expect(() => decodeJoinCode('PJ1-short')).toThrow(/not a join code/);
  });
});

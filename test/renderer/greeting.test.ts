import { afterEach, describe, expect, it } from 'vitest';
import { render, screen } from '@testing-library/svelte';
import { flushSync } from 'svelte';
import './helpers';
import Greeting from '../../src/renderer/components/Greeting.svelte';
import { i18n } from '../../src/renderer/lib/i18n.svelte';
import type { KioskGreeting } from '../../src/shared/types';

const at = '2026-11-28T08:05:00.000Z';

function greeting(extra: Partial<KioskGreeting> = {}): KioskGreeting {
  return {
    name: 'Ada Lovelace',
    externalId: null,
    kind: 'in',
    at,
    recorded: true,
    reason: 'first_of_day',
    nextOutAt: null,
    undo: null,
    ...extra,
  };
}

afterEach(() => i18n.setLocale('en'));

describe('Greeting', () => {
  it('shows the external ID only when it is given (a namesake is enrolled)', () => {
    const view = render(Greeting, { props: { variant: 'recognised', greeting: greeting() } });
    expect(screen.queryByTestId('greeting-external-id')).toBeNull();
    view.unmount();
    render(Greeting, { props: { variant: 'recognised', greeting: greeting({ externalId: 'E-1815' }) } });
    expect(screen.getByTestId('greeting-external-id').textContent).toBe('ID E-1815');
  });

  it('greets by name, says checked in, and shows the time in the locale format', () => {
    render(Greeting, { props: { variant: 'recognised', greeting: greeting() } });
    expect(screen.getByTestId('greeting-name').textContent).toBe('Ada Lovelace');
    expect(screen.getByTestId('greeting-kind').textContent).toContain('Checked in');
    const expected = new Intl.DateTimeFormat('en', { hour: '2-digit', minute: '2-digit' }).format(new Date(at));
    expect(screen.getByTestId('greeting-time').textContent).toBe(expected);
    expect(screen.queryByTestId('greeting-already')).toBeNull();
    expect(screen.getByTestId('greeting').dataset.kind).toBe('in');
  });

  it('says checked out, and "already recorded" when nothing new was written', () => {
    render(Greeting, {
      props: { variant: 'recognised', greeting: greeting({ kind: 'out', recorded: false, reason: 'within_cooldown' }) },
    });
    expect(screen.getByTestId('greeting-kind').textContent).toContain('Checked out');
    expect(screen.getByTestId('greeting-already').textContent).toMatch(/already recorded/i);
  });

  it('switches language and time format with the locale', () => {
    i18n.setLocale('zh-CN');
    flushSync();
    render(Greeting, { props: { variant: 'recognised', greeting: greeting() } });
    expect(screen.getByTestId('greeting-kind').textContent).toContain('签到成功');
    const expected = new Intl.DateTimeFormat('zh-CN', { hour: '2-digit', minute: '2-digit' }).format(new Date(at));
    expect(screen.getByTestId('greeting-time').textContent).toBe(expected);
    expect(document.documentElement.lang).toBe('zh-CN');
  });

  it("shows the time in the station's time zone when settings name one", () => {
    render(Greeting, { props: { variant: 'recognised', greeting: greeting(), timeZone: 'Asia/Shanghai' } });
    expect(screen.getByTestId('greeting-time').textContent).toBe('04:05 PM');
  });

  it('shows only "not recognised" for an unknown face: no name, no time', () => {
    render(Greeting, { props: { variant: 'unknown', greeting: null } });
    expect(screen.getByTestId('greeting-not-recognised').textContent).toContain('Not recognised');
    expect(screen.queryByTestId('greeting-name')).toBeNull();
    expect(screen.queryByTestId('greeting-time')).toBeNull();
  });

  it('says when the next pass will count as a check-out', () => {
    const nextOutAt = '2026-11-28T08:35:00.000Z';
    render(Greeting, { props: { variant: 'recognised', greeting: greeting({ nextOutAt }), timeZone: 'UTC' } });
    expect(screen.getByTestId('greeting-next').textContent).toMatch(/08:35 AM/);
  });

  it('explains a quick second pass that did not check out', () => {
    const nextOutAt = '2026-11-28T08:35:00.000Z';
    render(Greeting, {
      props: {
        variant: 'recognised',
        greeting: greeting({ recorded: false, reason: 'too_soon_to_check_out', nextOutAt }),
        timeZone: 'UTC',
      },
    });
    expect(screen.getByTestId('greeting-already').textContent).toMatch(/checked in.*08:35 AM/i);
  });

  it('offers "Not you?" only with an undo token and a handler, and calls it on touch', async () => {
    const undone: number[] = [];
    const undo = { token: '6d3c2a8e-0c1e-4c4b-9a51-5d2a4c7d9e10', until: at };
    const { unmount } = render(Greeting, { props: { variant: 'recognised', greeting: greeting() } });
    expect(screen.queryByTestId('greeting-undo')).toBeNull();
    unmount();
    render(Greeting, {
      props: { variant: 'recognised', greeting: greeting({ undo }), onundo: () => undone.push(1) },
    });
    screen.getByTestId('greeting-undo').click();
    expect(undone).toEqual([1]);
  });

  it('after an undo, asks the person to look again or see an administrator', () => {
    render(Greeting, { props: { variant: 'voided', greeting: null } });
    expect(screen.getByTestId('greeting-voided').textContent).toMatch(/administrator/i);
  });

  it('says nobody is enrolled yet instead of "not recognised" on an empty gallery', () => {
    render(Greeting, { props: { variant: 'unknown', greeting: null, guidance: ['nobody_enrolled'] } });
    expect(screen.getByTestId('greeting-not-recognised-hint').textContent).toMatch(/nobody/i);
  });
});

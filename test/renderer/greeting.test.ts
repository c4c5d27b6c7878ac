import { afterEach, describe, expect, it } from 'vitest';
import { render, screen } from '@testing-library/svelte';
import { flushSync } from 'svelte';
import './helpers';
import Greeting from '../../src/renderer/components/Greeting.svelte';
import { i18n } from '../../src/renderer/lib/i18n.svelte';
import type { KioskGreeting } from '../../src/shared/types';

const at = '2026-11-28T08:05:00.000Z';

function greeting(extra: Partial<KioskGreeting> = {}): KioskGreeting {
  return { name: 'Ada Lovelace', kind: 'in', at, recorded: true, ...extra };
}

afterEach(() => i18n.setLocale('en'));

describe('Greeting', () => {
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
    render(Greeting, { props: { variant: 'recognised', greeting: greeting({ kind: 'out', recorded: false }) } });
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
});

import type { PresenceApi } from '../../shared/contract';

import type { Result } from '../../shared/errors';
import type { AdminStatus } from '../../shared/types';

type AdminApi = Pick<PresenceApi, 'admin'>;

/** The admin session as the UI sees it; main decides, this mirrors it and re-locks when main says so. */
export class AdminSession {
  status = $state.raw<AdminStatus | null>(null);
  unlocked = $derived(this.status?.unlocked ?? false);
  #api: AdminApi;

  constructor(api: AdminApi) {
    this.#api = api;
  }

  async refresh(): Promise<void> {
    const r = await this.#api.admin.status();
    if (r.ok) this.status = r.value;
  }

  async unlock(pin: string): Promise<Result<AdminStatus>> {
    const r = await this.#api.admin.unlock({ pin });
    if (r.ok) this.status = r.value;
    return r;
  }

  async lock(): Promise<void> {
    const r = await this.#api.admin.lock();
    if (r.ok) this.status = r.value;
    else this.status = this.status ? { ...this.status, unlocked: false } : null;
  }

  accept(status: AdminStatus): void {
    this.status = status;
  }

  /** Polls admin.status so an idle timeout in main locks the UI too. Returns a stop function. */
  watch(everyMs = 5000): () => void {
    void this.refresh();
    const timer = setInterval(() => void this.refresh(), everyMs);
    return () => clearInterval(timer);
  }
}

import type { PresenceApi } from '../../shared/contract';
import type { Result } from '../../shared/errors';

/** Wraps an api so that any ADMIN_LOCKED answer makes the session look again at admin.status. */
export function watchLocked(api: PresenceApi, onLocked: () => void): PresenceApi {
  const namespaces = new Map<string, object>();
  return new Proxy(api, {
    get(target, ns) {
      const inner = Reflect.get(target, ns) as Record<string, unknown> | undefined;
      if (typeof ns !== 'string' || !inner || typeof inner !== 'object') return inner;
      let wrapped = namespaces.get(ns);
      if (!wrapped) {
        wrapped = new Proxy(inner, {
          get(t, method) {
            const fn = Reflect.get(t, method) as unknown;
            if (typeof fn !== 'function') return fn;
            return async (input?: unknown) => {
              const r = (await (fn as (i?: unknown) => Promise<Result<unknown>>).call(t, input)) as Result<unknown>;
              if (!r.ok && r.error.code === 'ADMIN_LOCKED') onLocked();
              return r;
            };
          },
        });
        namespaces.set(ns, wrapped);
      }
      return wrapped;
    },
  });
}

// One way into the app for every transport: find the channel, check the admin session, parse the
// input with the contract's schema, run the handler, and turn every failure into a typed error.
import type { z } from 'zod';
import { contract, type ChannelName, type OutputOf, type ParsedInputOf } from '../../shared/contract';
import { AppError, isAppError, type Result } from '../../shared/errors';
import type { AdminSession } from '../domain/admin-session';

export interface CallContext {
  /**
   * The admin session of this window or browser connection. Who acts follows from it: a call that passes
   * the session check acts as the administrator (audited as 'admin'); the kiosk's own records are made by
   * the kiosk service ('kiosk').
   */
  session: AdminSession;
}

export type Handler<C extends ChannelName> = (
  input: ParsedInputOf<C>,
  ctx: CallContext,
) => OutputOf<C> | Promise<OutputOf<C>>;

export type Handlers = { [C in ChannelName]: Handler<C> };

export interface Logger {
  error(message: string, error?: unknown): void;
}

export function isChannelName(name: unknown): name is ChannelName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(contract, name);
}

/** A zod error as one sentence a person can act on: the first problem, with where it is. */
export function describeZodError(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'The request is not valid.';
  const text = issue.message.replace(/\.$/, '');
  return issue.path.length > 0 ? `${text} (${issue.path.join('.')}).` : `${text}.`;
}

/** What the caller sent as a channel name, said safely: it may be any value, even one `String()` throws on. */
function unknownChannelMessage(channel: unknown): string {
  return typeof channel === 'string'
    ? `There is no channel called "${channel.slice(0, 80)}".`
    : `A channel name is text, not ${channel === null ? 'null' : typeof channel}.`;
}

export function createDispatcher(handlers: Handlers, logger: Logger) {
  return async function dispatch(channel: unknown, rawInput: unknown, ctx: CallContext): Promise<Result<unknown>> {
    try {
      if (!isChannelName(channel)) {
        throw new AppError('UNKNOWN_CHANNEL', unknownChannelMessage(channel));
      }
      const spec = contract[channel];
      // The session before the input: a locked caller learns nothing about an admin channel's schema,
      // and costs no parsing of what it sent.
      if (spec.access === 'admin') ctx.session.require();
      const parsed = spec.input.safeParse(rawInput);
      if (!parsed.success) {
        const path = parsed.error.issues[0]?.path.join('.') ?? '';
        throw new AppError('INVALID_INPUT', describeZodError(parsed.error), path ? { path } : undefined);
      }
      // Only admin work keeps the session alive: kiosk frames and status polling must not hold it open.
      if (spec.access === 'admin') ctx.session.touch();
      const handler = handlers[channel] as (input: unknown, ctx: CallContext) => unknown;
      const value = await handler(parsed.data, ctx);
      return { ok: true, value };
    } catch (e) {
      if (isAppError(e)) return { ok: false, error: e.toData() };
      logger.error(`channel ${String(channel)} failed`, e);
      return {
        ok: false,
        error: {
          code: 'INTERNAL',
          message: 'Something went wrong inside Presence. Try again; if it keeps happening, restart the app.',
        },
      };
    }
  };
}

export type Dispatch = ReturnType<typeof createDispatcher>;

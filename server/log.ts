// Structured JSON log lines for the operators of a multi-node deployment: one
// line per event, `{t, level, event, ...fields}`. The data is among the most
// sensitive a municipality holds, so a field can carry only what identifies or
// counts — ids, room names, codes, numbers, booleans — never free text. The
// type makes a plain string a compile error (wrap it in `id()` or `code()`),
// and every string is checked again at run time: anything that does not look
// like an id or a code is written as "[redacted]".

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

declare const safeBrand: unique symbol;
/** A string that passed the id/code check; made only by `id()` and `code()`. */
export type SafeString = string & { readonly [safeBrand]: true };

export type LogValue = number | boolean | null | SafeString;
export type LogFields = Readonly<Record<string, LogValue | undefined>>;

export interface Logger {
  debug(event: string, fields?: LogFields): void;
  info(event: string, fields?: LogFields): void;
  warn(event: string, fields?: LogFields): void;
  error(event: string, fields?: LogFields): void;
  /** A logger that adds `fields` to every line (e.g. `{ nodeId }`). */
  child(fields: LogFields): Logger;
}

// Ids (user, session hash, node, room `f-<id>.<part>`), error codes and enum-like
// codes fit this; sentences, names and plan text do not (no spaces, bounded).
const SAFE = /^[A-Za-z0-9][A-Za-z0-9._:@/+=-]{0,127}$/;
const EVENT = /^[a-z][a-z0-9_.-]{0,63}$/;
const FIELD = /^[A-Za-z][A-Za-z0-9_]{0,39}$/;
const REDACTED = '[redacted]';
const RESERVED = new Set(['t', 'level', 'event']);
const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** An identifier for a log field; anything that is not id-shaped is logged as "[redacted]". */
export function id(value: string | number): SafeString {
  const s = String(value);
  return (SAFE.test(s) ? s : REDACTED) as SafeString;
}

/** A machine code (error code, reason code, state) for a log field; same check as `id`. */
export const code = id;

/**
 * What may be logged of an error: its class, its code and where it was thrown
 * (the innermost stack frame's file:line:column, code not data), never its
 * message (it can quote data) nor anything else it carries (a PostgreSQL
 * error's detail quotes the row).
 */
export function errorFields(err: unknown): { errName: SafeString; errCode?: SafeString; errAt?: SafeString } {
  if (err instanceof Error) {
    const c = (err as { code?: unknown }).code;
    const at = errorSite(err.stack, err.message);
    return { errName: id(err.name || 'Error'), ...(typeof c === 'string' || typeof c === 'number' ? { errCode: id(c) } : {}), ...(at ? { errAt: id(at) } : {}) };
  }
  return { errName: id(typeof err) };
}

/**
 * The first "at …" frame's location, relative to the working directory. The
 * stack starts with "Name: message", as many lines as the message has: they
 * are skipped, so a message that reads like a frame is never taken for one.
 */
function errorSite(stack: string | undefined, message: string): string | null {
  const frames = stack?.split('\n').slice(String(message).split('\n').length);
  const frame = frames?.find((line) => /^\s+at /.test(line));
  const m = frame ? /\(?((?:file:\/\/)?[^\s()]+:\d+:\d+)\)?\s*$/.exec(frame) : null;
  if (!m) return null;
  const cwd = `${process.cwd()}/`;
  return m[1].replace(/^file:\/\//, '').replace(cwd, '');
}

export function isLogLevel(value: unknown): value is LogLevel {
  return typeof value === 'string' && value in ORDER;
}

export interface LoggerOptions {
  level?: LogLevel;
  /** Where lines go; stdout by default (one JSON object per line). */
  write?: (line: string) => void;
  now?: () => Date;
}

function sanitise(value: unknown): LogValue {
  if (value === null || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'string') return id(value);
  return REDACTED as SafeString;
}

export function createLogger(opts: LoggerOptions = {}, base: LogFields = {}): Logger {
  const min = ORDER[opts.level ?? 'info'];
  const write = opts.write ?? ((line: string) => process.stdout.write(line + '\n'));
  const now = opts.now ?? (() => new Date());

  const emit = (level: LogLevel, event: string, fields?: LogFields) => {
    if (ORDER[level] < min) return;
    const line: Record<string, LogValue> = { t: now().toISOString() as SafeString, level: level as SafeString, event: (EVENT.test(event) ? event : 'log.invalid_event') as SafeString };
    for (const source of [base, fields ?? {}]) {
      for (const [k, v] of Object.entries(source)) {
        if (v === undefined || RESERVED.has(k) || !FIELD.test(k)) continue;
        line[k] = sanitise(v);
      }
    }
    try {
      write(JSON.stringify(line));
    } catch {
      // A log sink that fails (closed stdout) must not take a request or the relay with it;
      // there is nowhere left to report it.
    }
  };

  return {
    debug: (e, f) => emit('debug', e, f),
    info: (e, f) => emit('info', e, f),
    warn: (e, f) => emit('warn', e, f),
    error: (e, f) => emit('error', e, f),
    child: (fields) => createLogger(opts, { ...base, ...fields })
  };
}

/** A logger that drops everything (tests that do not look at the log). */
export const silentLogger: Logger = createLogger({ write: () => {} });

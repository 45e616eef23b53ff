// The one table of Livedesk error and close codes, mirrored from the server
// (ErrorCode in livedesk.proto, io.livedesk.protocol.CloseCode). test/codes.test.js checks
// that it matches them.

/**
 * Error codes carried in error frames, by name (the proto3 JSON form) with their number.
 * 1000-1999: the request was wrong, do not retry it unchanged. 2000-2999: temporary, retry after
 * retryAfterMs. 3000-3999: session-level, the server closes the connection after sending.
 */
export const ErrorCode = Object.freeze({
  BAD_FRAME: 1001,
  UNKNOWN_TYPE: 1002,
  FRAME_TOO_LARGE: 1003,
  INVALID_ARGUMENT: 1004,
  NOT_AUTHENTICATED: 1005,
  FORBIDDEN: 1006,
  NOT_FOUND: 1007,
  CONFLICT: 1008,
  ALREADY_AUTHENTICATED: 1009,
  TOKEN_INVALID: 1010,
  TOKEN_EXPIRED: 1011,
  SLOW_MODE: 1101,
  TOO_LONG: 1102,
  BLOCKED_TERM: 1103,
  MUTED: 1104,
  BANNED: 1105,
  NOT_IN_ROOM: 1106,
  SOLD_OUT: 1201,
  COUPON_EXPIRED: 1202,
  CLAIM_LIMIT: 1203,
  FREQUENCY_CAPPED: 1204,
  RATE_LIMITED: 2001,
  STORE_UNAVAILABLE: 2002,
  INTERNAL: 2003,
  UNAVAILABLE: 2004,
  TOO_MANY_CONNECTIONS: 3001,
  AUTH_TIMEOUT: 3002,
  ABUSE: 3003,
});

/**
 * Codes the SDK itself raises (never sent by a server): the connection went away before an
 * answer came, or no answer came in time. Both are worth retrying.
 */
export const ClientErrorCode = Object.freeze({
  DISCONNECTED: 'DISCONNECTED',
  TIMEOUT: 'TIMEOUT',
  CLOSED: 'CLOSED',
});

/**
 * WebSocket close codes and what the SDK does on each. `reconnect` mirrors the server's table;
 * `newToken` asks getToken for a fresh token first. A code not listed here (1006 when the
 * network drops, for one) is retried with backoff.
 */
export const CloseCode = Object.freeze({
  NORMAL: { code: 1000, reconnect: true },
  GOING_AWAY: { code: 1001, reconnect: true },
  INVALID_PAYLOAD: { code: 1007, reconnect: false },
  POLICY_VIOLATION: { code: 1008, reconnect: false },
  MESSAGE_TOO_BIG: { code: 1009, reconnect: false },
  TOKEN_INVALID: { code: 4001, reconnect: false },
  TOKEN_EXPIRED: { code: 4002, reconnect: false, newToken: true },
  AUTH_TIMEOUT: { code: 4003, reconnect: true },
  RATE_LIMITED: { code: 4008, reconnect: true, slowDown: true },
  ABUSE: { code: 4009, reconnect: false },
  TOO_MANY_CONNECTIONS: { code: 4010, reconnect: false },
  SLOW_CONSUMER: { code: 4011, reconnect: true, slowDown: true },
});

const errorNames = new Map(Object.entries(ErrorCode).map(([name, n]) => [n, name]));
const closeByNumber = new Map(Object.entries(CloseCode).map(([name, c]) => [c.code, { name, ...c }]));

/** The name of an error code given as a name (JSON) or a number (older encoders). */
export function errorName(code) {
  return typeof code === 'number' ? (errorNames.get(code) ?? String(code)) : String(code ?? 'ERROR_CODE_UNSPECIFIED');
}

/** Whether retrying the same request later can succeed. */
export function isRetryable(code) {
  if (code === ClientErrorCode.DISCONNECTED || code === ClientErrorCode.TIMEOUT) return true;
  const n = typeof code === 'number' ? code : ErrorCode[code];
  return n >= 2000 && n < 3000;
}

/**
 * What to do after the socket closed with `code`: 'reconnect', 'newToken' (fetch a token, then
 * reconnect) or 'stop'.
 */
export function closeAction(code) {
  const entry = closeByNumber.get(code);
  if (!entry) return { name: String(code), action: 'reconnect', slowDown: false };
  const action = entry.newToken ? 'newToken' : entry.reconnect ? 'reconnect' : 'stop';
  return { name: entry.name, action, slowDown: Boolean(entry.slowDown) };
}

/** An error frame, or a request that could not be answered, as a JavaScript Error. */
export class LivedeskError extends Error {
  constructor(code, message, { retryAfterMs = 0, retryable } = {}) {
    const name = errorName(code);
    super(message ? `${name}: ${message}` : name);
    this.name = 'LivedeskError';
    /** The code's name, e.g. 'RATE_LIMITED' or 'DISCONNECTED'. */
    this.code = name;
    this.retryable = retryable ?? isRetryable(name);
    this.retryAfterMs = retryAfterMs;
  }

  static fromFrame(error) {
    return new LivedeskError(error.code, error.message ?? '', {
      retryAfterMs: Number(error.retryAfterMs ?? 0),
      retryable: error.retryable === true || isRetryable(errorName(error.code)),
    });
  }
}

// What the SDK tests share: the test server's address, tokens, and clients whose sockets the
// test can kill.

import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { WebSocket } from 'ws';
import { LivedeskClient, protobufEncoding } from '../../src/index.js';

export const BASE = process.env.LIVEDESK_TEST_BASE ?? 'http://127.0.0.1:8080';
export const WS_URL = `${BASE.replace(/^http/, 'ws')}/ws`;
const SECRET = process.env.LIVEDESK_TEST_SECRET ?? '';
let unique = 0;

/** A user id no other test uses. */
export function uniqueUser(prefix) {
  unique += 1;
  return `${prefix}-${process.pid}-${unique}`;
}

/** A token from the server's dev login. */
export async function devToken({ sub, name, roles = ['customer'], tags = [], ttlSeconds } = {}) {
  const response = await fetch(`${BASE}/api/dev/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ sub, name, roles, tags, ttlSeconds }),
  });
  if (!response.ok) throw new Error(`dev token: HTTP ${response.status} ${await response.text()}`);
  return (await response.json()).token;
}

/** A token signed here, for the cases the dev login will not mint (expired, forged). */
export function signedToken(claims, secret = SECRET) {
  const now = Math.floor(Date.now() / 1000);
  const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const body = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({
    iss: 'livedesk', aud: 'livedesk', iat: now, nbf: now - 1, exp: now + 3600, roles: ['customer'], tags: [], ...claims,
  })}`;
  return `${body}.${createHmac('sha256', secret).update(body).digest('base64url')}`;
}

/** A ws WebSocket that remembers its instances, so a test can kill the live one. */
export function trackedWebSocket() {
  const sockets = [];
  class Tracked extends WebSocket {
    constructor(...args) {
      super(...args);
      sockets.push(this);
    }
  }
  return { WebSocket: Tracked, sockets, kill: () => sockets.at(-1).terminate() };
}

let protobuf;
export async function protobufForTests() {
  protobuf ??= await protobufEncoding({
    proto: readFileSync(new URL('../../../protocol/src/main/proto/livedesk.proto', import.meta.url), 'utf8'),
  });
  return protobuf;
}

/** Clients made by a test file, closed by closeAll() in its after hook. */
const open = [];

export function client(options) {
  const tracked = trackedWebSocket();
  const c = new LivedeskClient({ url: WS_URL, WebSocket: tracked.WebSocket, backoff: { minDelayMs: 50, maxDelayMs: 500 }, ...options });
  c.kill = tracked.kill;
  c.sockets = tracked.sockets;
  open.push(c);
  return c;
}

/** A connected client of a fresh user with the given roles. */
export async function connected(prefix, roles = ['customer'], options = {}) {
  const sub = uniqueUser(prefix);
  const c = client({ token: await devToken({ sub, roles }), ...options });
  await c.connect();
  return c;
}

export function closeAll() {
  while (open.length > 0) open.pop().close();
}

/** Resolves when `predicate()` holds, checking on every event of the given types. */
export function until(emitter, types, predicate, timeoutMs = 10_000) {
  return new Promise((resolve, reject) => {
    if (predicate()) return resolve();
    const offs = [];
    const timer = setTimeout(() => {
      offs.forEach((off) => off());
      reject(new Error(`condition not met within ${timeoutMs} ms`));
    }, timeoutMs);
    for (const type of types) {
      offs.push(emitter.on(type, () => {
        if (predicate()) {
          clearTimeout(timer);
          offs.forEach((off) => off());
          resolve();
        }
      }));
    }
  });
}

/**
 * Why a server-side feature is missing, or null when the server handles `type` frames: a
 * frame type the server does not know is answered UNKNOWN_TYPE. Tests of a feature that has
 * not landed are skipped with this reason, never passed silently.
 */
export async function missingFeature(type, roles, feature) {
  const c = client({ token: await devToken({ sub: uniqueUser('probe'), roles }) });
  try {
    await c.connect();
    await c.request(type, {});
    return null;
  } catch (e) {
    return e.code === 'UNKNOWN_TYPE' ? `the server does not handle ${type} frames yet: ${feature} is not on this build` : null;
  } finally {
    c.close();
  }
}

// The session against a real node: authentication, requests and errors, reconnects as the
// close codes allow, token refresh, pacing, and the protobuf encoding.

import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { LivedeskError } from '../../src/index.js';
import { client, closeAll, connected, devToken, protobufForTests, signedToken, uniqueUser } from '../support/livedesk.js';

after(closeAll);

describe('connecting', () => {
  test('a token gets a welcome naming the user, roles and encoding', async () => {
    const sub = uniqueUser('alice');
    const c = client({ token: await devToken({ sub, roles: ['customer'], tags: ['vip'] }) });
    const welcome = await c.connect();
    assert.equal(welcome.userId, sub);
    assert.deepEqual(welcome.roles, ['customer']);
    assert.deepEqual(welcome.tags, ['vip']);
    assert.equal(welcome.encoding, 'json');
    assert.equal(c.state, 'open');
  });

  test('a forged token is refused with TOKEN_INVALID and never retried', async () => {
    const c = client({ token: signedToken({ sub: uniqueUser('mallory') }, 'not-the-server-secret-not-the-server-secret') });
    await assert.rejects(c.connect(), (e) => e instanceof LivedeskError && e.code === 'TOKEN_INVALID');
    assert.equal(c.state, 'closed');
    assert.equal(c.sockets.length, 1);
  });

  test('an expired token is replaced from getToken and the session opens', async () => {
    const sub = uniqueUser('late');
    const expired = signedToken({ sub, exp: Math.floor(Date.now() / 1000) - 60 });
    const closes = [];
    const c = client({ token: expired, getToken: () => devToken({ sub }) });
    c.on('close', (e) => closes.push(e));
    const welcome = await c.connect();
    assert.equal(welcome.userId, sub);
    assert.equal(closes[0].code, 4002);
    assert.equal(closes[0].willReconnect, true);
  });

  test('too many connections for one user stop reconnecting with 4010', async () => {
    const sub = uniqueUser('crowd');
    const token = await devToken({ sub });
    const clients = [];
    for (let i = 0; i < 4; i += 1) {
      clients.push(client({ token }));
      await clients.at(-1).connect();
    }
    const extra = client({ token });
    const closed = extra.next('close');
    await assert.rejects(extra.connect(), (e) => e.code === 'TOO_MANY_CONNECTIONS');
    assert.deepEqual(await closed, { code: 4010, reason: (await closed).reason, name: 'TOO_MANY_CONNECTIONS', willReconnect: false });
    clients.forEach((c) => c.close());
  });
});

describe('requests', () => {
  test('ping resolves with the server time', async () => {
    const c = await connected('pinger');
    const { rttMs, serverTime } = await c.ping();
    assert.ok(rttMs >= 0);
    assert.ok(Math.abs(serverTime - Date.now()) < 60_000);
  });

  test('an error frame rejects the request it answers with its code', async () => {
    const c = await connected('wrong');
    await assert.rejects(c.request('pong', {}), (e) => e instanceof LivedeskError && e.code === 'UNKNOWN_TYPE' && !e.retryable);
    assert.ok((await c.ping()).rttMs >= 0, 'the session goes on');
  });

  test('a burst above the rate limit is paced, not refused', async () => {
    const c = await connected('bursty');
    const errors = [];
    c.on('error', (e) => errors.push(e));
    const pongs = await Promise.all(Array.from({ length: 60 }, () => c.ping()));
    assert.equal(pongs.length, 60);
    assert.deepEqual(errors, []);
  });
});

describe('reconnecting', () => {
  test('a killed socket is reconnected with a new session and requests work again', async () => {
    const c = await connected('dropped');
    const first = c.welcome.sessionId;
    const reopened = c.next('welcome');
    c.kill();
    const welcome = await reopened;
    assert.notEqual(welcome.sessionId, first);
    assert.equal(c.state, 'open');
    assert.ok((await c.ping()).rttMs >= 0);
  });

  test('requests waiting when the socket dies are rejected as retryable DISCONNECTED', async () => {
    const c = await connected('waiting');
    const pending = c.ping();
    c.kill();
    await assert.rejects(pending, (e) => e.code === 'DISCONNECTED' && e.retryable);
  });

  test('close() ends the session for good', async () => {
    const c = await connected('leaving');
    c.close();
    assert.equal(c.state, 'closed');
    await assert.rejects(c.ping(), (e) => e.code === 'DISCONNECTED');
  });
});

describe('token refresh', () => {
  test('getToken is called before expiry and the session outlives the first token', async () => {
    const sub = uniqueUser('refreshing');
    const c = client({ token: await devToken({ sub, ttlSeconds: 3 }), getToken: () => devToken({ sub, ttlSeconds: 60 }) });
    const welcome = await c.connect();
    const refreshed = await c.next('tokenRefreshed');
    assert.ok(Number(refreshed.expiresAt) > Number(welcome.tokenExpiresAt));
    // Outlive the first token past the server's once-a-second expiry sweep.
    await new Promise((r) => setTimeout(r, Number(welcome.tokenExpiresAt) - c.serverNow() + 1500));
    assert.ok((await c.ping()).rttMs >= 0);
    assert.equal(c.welcome.sessionId, welcome.sessionId, 'the same session, never reconnected');
    assert.equal(c.sockets.length, 1);
  });

  test('without getToken an expiring session is closed with 4002 and not reopened', async () => {
    const c = client({ token: await devToken({ sub: uniqueUser('lapsed'), ttlSeconds: 1 }) });
    await c.connect();
    const closed = await c.next('close');
    assert.equal(closed.code, 4002);
    assert.equal(closed.willReconnect, false);
    assert.equal(c.state, 'closed');
  });
});

describe('protobuf encoding', () => {
  test('binary frames carry the same frames as JSON', async () => {
    const c = await connected('mobile', ['customer'], { encoding: await protobufForTests() });
    assert.equal(c.welcome.encoding, 'protobuf');
    assert.equal(typeof c.welcome.serverTime, 'string', 'int64 as a string, as in JSON');
    assert.ok((await c.ping()).serverTime > 0);
    await assert.rejects(c.request('pong', {}), (e) => e.code === 'UNKNOWN_TYPE');
    const sent = [];
    c.sockets[0].on('message', (data, isBinary) => sent.push(isBinary));
    await c.ping();
    assert.deepEqual(sent, [true]);
  });
});

// The SDK's pure parts: ordering of conversation messages, backoff, and the code table that
// must mirror the server's.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { backoffDelay, closeAction, CloseCode, ErrorCode, isRetryable, Sequencer } from '../../src/index.js';

const msg = (seq, conversationId = 'c1') => ({ conversationId, seq, text: `m${seq}` });
const seqs = (messages) => messages.map((m) => m.seq);

describe('Sequencer', () => {
  test('hands messages over in order, once each', () => {
    const s = new Sequencer({ c1: 2 });
    assert.deepEqual(seqs(s.accept(msg(3)).ready), [3]);
    assert.equal(s.accept(msg(3)).duplicate, true);
    assert.equal(s.accept(msg(1)).duplicate, true);
    assert.deepEqual(s.cursors(), [{ conversationId: 'c1', lastSeq: 3 }]);
  });

  test('holds a message that overtook a gap until the gap fills', () => {
    const s = new Sequencer({ c1: 4 });
    const early = s.accept(msg(7));
    assert.deepEqual(seqs(early.ready), []);
    assert.equal(early.gap, true);
    assert.deepEqual(seqs(s.accept(msg(5)).ready), [5]);
    const filled = s.accept(msg(6));
    assert.deepEqual(seqs(filled.ready), [6, 7]);
    assert.equal(filled.gap, false);
  });

  test('a new conversation starts at its first message', () => {
    const s = new Sequencer();
    assert.deepEqual(seqs(s.accept(msg(5, 'new')).ready), [5]);
    assert.equal(s.lastSeq('new'), 5);
  });

  test('flush gives up on a gap and keeps order', () => {
    const s = new Sequencer({ c1: 1 });
    s.accept(msg(5));
    s.accept(msg(3));
    assert.deepEqual(s.gaps(), ['c1']);
    assert.deepEqual(seqs(s.flush('c1')), [3, 5]);
    assert.equal(s.lastSeq('c1'), 5);
    assert.deepEqual(s.gaps(), []);
  });
});

describe('backoff', () => {
  const options = { minDelayMs: 100, maxDelayMs: 1000, factor: 2 };
  test('grows exponentially between half and all of its cap', () => {
    assert.equal(backoffDelay(0, options, () => 0), 50);
    assert.equal(backoffDelay(0, options, () => 1), 100);
    assert.equal(backoffDelay(3, options, () => 0), 400);
    assert.equal(backoffDelay(3, options, () => 1), 800);
  });
  test('never exceeds its maximum', () => {
    assert.equal(backoffDelay(30, options, () => 1), 1000);
  });
});

describe('codes', () => {
  const proto = readFileSync(new URL('../../../protocol/src/main/proto/livedesk.proto', import.meta.url), 'utf8');
  const javaClose = readFileSync(new URL('../../../protocol/src/main/java/io/livedesk/protocol/CloseCode.java', import.meta.url), 'utf8');

  test('error codes mirror the ErrorCode enum of livedesk.proto', () => {
    const block = /enum ErrorCode \{([\s\S]*?)\n\}/.exec(proto)[1];
    const server = Object.fromEntries([...block.matchAll(/^\s*([A-Z_]+) = (\d+);/gm)]
      .map(([, name, n]) => [name, Number(n)]).filter(([, n]) => n !== 0));
    assert.deepEqual({ ...ErrorCode }, server);
  });

  test('close codes and their reconnect advice mirror CloseCode.java', () => {
    const server = Object.fromEntries([...javaClose.matchAll(/^\s*([A-Z_]+)\((\d+), (true|false),/gm)]
      .map(([, name, code, reconnect]) => [name, { code: Number(code), reconnect: reconnect === 'true' }]));
    const mirrored = Object.fromEntries(Object.entries(CloseCode).map(([name, c]) => [name, { code: c.code, reconnect: c.reconnect }]));
    assert.deepEqual(mirrored, server);
  });

  test('the SDK acts on close codes as the table says', () => {
    assert.equal(closeAction(1006).action, 'reconnect');
    assert.equal(closeAction(4001).action, 'stop');
    assert.equal(closeAction(4002).action, 'newToken');
    assert.equal(closeAction(4008).slowDown, true);
    assert.equal(closeAction(4009).action, 'stop');
    assert.equal(closeAction(4010).action, 'stop');
  });

  test('only temporary codes are retryable', () => {
    assert.equal(isRetryable('RATE_LIMITED'), true);
    assert.equal(isRetryable('STORE_UNAVAILABLE'), true);
    assert.equal(isRetryable('INVALID_ARGUMENT'), false);
    assert.equal(isRetryable('DISCONNECTED'), true);
  });
});

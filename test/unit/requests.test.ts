// Requests and replies (src/core/requests.ts), as the worker's host and the panel's webview use them.
import * as assert from 'node:assert/strict';
import { answer, Requester, type ReplyMessage, type RequestMessage } from '../../src/core/requests';

interface Calculator {
  add(a: number, b: number): number;
  slowly(text: string): Promise<string>;
  fail(): never;
}

/** Two sides wired to each other, the answering one on a later turn (as a message port delivers). */
function wired(methods: Calculator) {
  const sent: RequestMessage<Calculator>[] = [];
  let asker: Requester<Calculator>;
  const deliver = (reply: ReplyMessage) => setImmediate(() => asker.settle(reply));
  asker = new Requester<Calculator>(
    (request) => {
      sent.push(request);
      setImmediate(() => void answer(methods, request, deliver));
    },
    (message, name) => Object.assign(new Error(message), { name: name ?? 'Error' }),
  );
  return { asker, sent };
}

describe('requests and replies', () => {
  const methods: Calculator = {
    add: (a, b) => a + b,
    slowly: (text) => new Promise((resolve) => setTimeout(() => resolve(text.toUpperCase()), 20)),
    fail() {
      throw new RangeError('out of range');
    },
  };

  it('settles each request with its own reply, whatever order the replies come in', async () => {
    const { asker, sent } = wired(methods);
    const [slow, sum] = await Promise.all([asker.request('slowly', 'abc'), asker.request('add', 2, 3)]);
    assert.equal(slow, 'ABC');
    assert.equal(sum, 5);
    assert.deepEqual(sent.map((m) => [m.id, m.method]), [[1, 'slowly'], [2, 'add']]);
    assert.equal(asker.waiting, 0);
  });

  it('rejects with the error the method threw, rebuilt on the asking side', async () => {
    const { asker } = wired(methods);
    await assert.rejects(asker.request('fail'), (e: Error) => e.name === 'RangeError' && e.message === 'out of range');
  });

  it('answers an unknown or inherited method with an error, not a call', async () => {
    const replies: ReplyMessage[] = [];
    const asked = (id: number, method: string) => ({ type: 'request', id, method, args: [1, 2] }) as unknown as RequestMessage<Calculator>;
    await answer(methods, asked(1, 'toString'), (r) => replies.push(r));
    await answer(methods, asked(2, 'nothing'), (r) => replies.push(r));
    assert.deepEqual(replies.map((r) => [r.id, r.ok]), [[1, false], [2, false]]);
  });

  it('ignores replies it does not wait for, and fails every waiting request when the other side is gone', async () => {
    const asker = new Requester<Calculator>(() => undefined);
    const waiting = asker.request('add', 1, 1);
    assert.equal(asker.settle({ type: 'reply', id: 99, ok: true, result: 3 }), false);
    asker.failAll(new Error('gone'));
    await assert.rejects(waiting, /gone/);
    assert.equal(asker.settle({ type: 'reply', id: 1, ok: true, result: 2 }), false, 'settled once');
  });
});

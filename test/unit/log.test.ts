import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { createLog, redact } from '../../companion/src/cli/log.ts';

test('credential-looking keys are redacted at any depth; ids and counts stay', () => {
  const out = redact({ userId: '005x', accessToken: 'eyJ', nested: { clientSecret: 's', privateKey: 'k', list: [{ password: 'p', count: 2 }] }, Authorization: 'Bearer x' });
  assert.deepEqual(out, { userId: '005x', accessToken: '[redacted]', nested: { clientSecret: '[redacted]', privateKey: '[redacted]', list: [{ password: '[redacted]', count: 2 }] }, Authorization: '[redacted]' });
});

test('the log honours its level and never prints a redacted value', () => {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (c) => (text += String(c)));
  const log = createLog('info', stream);
  log('debug', 'hidden');
  log('info', 'shown', { token: 'abc.def', userId: 'u1' });
  assert.ok(!text.includes('hidden'));
  assert.ok(text.includes('shown') && text.includes('u1'));
  assert.ok(!text.includes('abc.def'));
});

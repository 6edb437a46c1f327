import { describe, expect, it } from 'vitest';
import type { PendingChange } from '../../src/core/types';
import { orderRequest } from '../../src/cycle/apply';
import { makeInstance } from '../fixtures/policies';

const pending: PendingChange = {
  decisionId: 'd-1',
  clientToken: 'bwscaler-d-1',
  action: 'set',
  from: 10,
  target: 50,
  startedAt: 0,
  isDowngrade: false,
  attempts: 1,
  autoPay: true,
};

describe('orderRequest: the request an intent stands for', () => {
  it.each([
    { name: 'a plain change sends outbound only', change: {}, expected: { bandwidthOut: 50, clientToken: 'bwscaler-d-1', autoPay: true } },
    { name: 'an inbound correction travels in the same order', change: { targetIn: 20 }, expected: { bandwidthOut: 50, bandwidthIn: 20 } },
    {
      name: 'a temporary upgrade carries its times',
      change: { startTime: '2027-01-05T22:40Z', endTime: '2027-01-06T02Z' },
      expected: { startTime: '2027-01-05T22:40Z', endTime: '2027-01-06T02Z' },
    },
  ])('$name', ({ change, expected }) => {
    const request = orderRequest(makeInstance({ instanceId: 'i-1' }), { ...pending, ...change });
    expect(request).toMatchObject({ instanceId: 'i-1', ...expected });
    if (!('targetIn' in change)) expect(request).not.toHaveProperty('bandwidthIn');
  });
});

// src/core/temporary-upgrade.ts on its own: the choice between a temporary and a permanent upgrade
// with the words an operator reads, the window that bounds an upgrade, EndTime against the expiry, and
// what settling an ended upgrade leaves in the state. decide() tests see most of this only as actions.
import { describe, expect, it } from 'vitest';
import {
  chooseSaturationUpgrade,
  type SaturationUpgradeInput,
  settleTemporaryUpgrade,
  temporaryUpgradeTimes,
  temporaryUpgradeWindow,
} from '../../src/core/temporary-upgrade';
import { HOUR, MINUTE, makeState, makeWindow, T0 } from '../fixtures/policies';

// T0 is 2025-06-10 12:00 UTC.
describe('chooseSaturationUpgrade', () => {
  const input = (overrides: Partial<SaturationUpgradeInput> = {}): SaturationUpgradeInput => ({
    now: T0 + 30_000,
    config: { mode: 'auto', durationSeconds: 3 * 3600, spareDowngrades: 1 },
    downgradesLeft: 1,
    target: 20,
    maxMbps: 200,
    ...overrides,
  });
  // StartTime 12:01 (now rounded up), 3 h later is 15:01, rounded up to the hour: 16Z.
  const times = { startTime: '2025-06-10T12:01Z', endTime: '2025-06-10T16Z', until: T0 + 4 * HOUR };

  it.each([
    {
      name: 'never: permanent, saying so',
      input: input({ config: { mode: 'never', durationSeconds: 3 * 3600, spareDowngrades: 1 } }),
      expected: {
        choice: { kind: 'permanent', reason: 'PERMANENT_BY_POLICY', message: 'saturation.temporaryUpgrade.mode is never: a permanent upgrade' },
        target: 20,
      },
    },
    {
      name: 'auto with downgrades to spare: permanent, counting what paying it back leaves',
      input: input({ downgradesLeft: 3 }),
      expected: {
        choice: {
          kind: 'permanent',
          reason: 'PERMANENT_BUDGET_AMPLE',
          message: '3 ordinary downgrades left: paying a permanent upgrade back still leaves 2 (spareDowngrades 1)',
        },
        target: 20,
      },
    },
    {
      name: 'auto with one downgrade left, the spare one: temporary',
      input: input(),
      expected: {
        choice: {
          kind: 'temporary',
          reason: 'TEMPORARY_BUDGET_SCARCE',
          message:
            '1 ordinary downgrade left, at most spareDowngrades 1: a permanent upgrade could not be paid back: temporary until 2025-06-10T16Z, reverting by itself',
        },
        target: 20,
        times,
      },
    },
    {
      name: 'auto with none left: temporary, in the plural',
      input: input({ downgradesLeft: 0 }),
      expected: {
        choice: {
          kind: 'temporary',
          reason: 'TEMPORARY_BUDGET_SCARCE',
          message:
            '0 ordinary downgrades left, at most spareDowngrades 1: a permanent upgrade could not be paid back: temporary until 2025-06-10T16Z, reverting by itself',
        },
        target: 20,
        times,
      },
    },
    {
      name: 'always, with the whole budget left: temporary',
      input: input({ config: { mode: 'always', durationSeconds: 3 * 3600, spareDowngrades: 1 }, downgradesLeft: 2 }),
      expected: {
        choice: {
          kind: 'temporary',
          reason: 'TEMPORARY_ALWAYS',
          message: 'saturation.temporaryUpgrade.mode is always: temporary until 2025-06-10T16Z, reverting by itself',
        },
        target: 20,
        times,
      },
    },
    {
      name: 'a minimum above the target sizes it up front, and says so',
      input: input({ config: { mode: 'always', durationSeconds: 3 * 3600, spareDowngrades: 1, minimumMbps: 50 } }),
      expected: {
        choice: {
          kind: 'temporary',
          reason: 'TEMPORARY_ALWAYS',
          message:
            'saturation.temporaryUpgrade.mode is always: temporary until 2025-06-10T16Z, at least 50 Mbps (minimum; no other change is possible while it runs), reverting by itself',
        },
        target: 50,
        times,
      },
    },
    {
      name: 'a minimum at the target says nothing of it',
      input: input({ config: { mode: 'always', durationSeconds: 3 * 3600, spareDowngrades: 1, minimumMbps: 20 } }),
      expected: {
        choice: {
          kind: 'temporary',
          reason: 'TEMPORARY_ALWAYS',
          message: 'saturation.temporaryUpgrade.mode is always: temporary until 2025-06-10T16Z, reverting by itself',
        },
        target: 20,
        times,
      },
    },
    {
      name: 'a subscription expiring before the upgrade could end: permanent',
      input: input({ expiredAt: T0 + 4 * HOUR - 1 }),
      expected: {
        choice: {
          kind: 'permanent',
          reason: 'PERMANENT_EXPIRES_FIRST',
          message: 'the subscription expires before a temporary upgrade could end: a permanent upgrade',
        },
        target: 20,
      },
    },
    {
      name: 'a subscription expiring exactly at EndTime: temporary (EndTime is not beyond it)',
      input: input({ expiredAt: T0 + 4 * HOUR }),
      expected: {
        choice: {
          kind: 'temporary',
          reason: 'TEMPORARY_BUDGET_SCARCE',
          message:
            '1 ordinary downgrade left, at most spareDowngrades 1: a permanent upgrade could not be paid back: temporary until 2025-06-10T16Z, reverting by itself',
        },
        target: 20,
        times,
      },
    },
  ])('$name', ({ input: given, expected }) => {
    expect(chooseSaturationUpgrade(given)).toEqual(expected);
  });
});

describe('temporaryUpgradeTimes against the expiry', () => {
  it.each([
    { name: 'ending before the expiry', expiredAt: T0 + 3 * HOUR + 1, defined: true },
    { name: 'ending exactly at the expiry', expiredAt: T0 + 3 * HOUR, defined: true },
    { name: 'ending a millisecond after the expiry', expiredAt: T0 + 3 * HOUR - 1, defined: false },
  ])('$name: defined $defined', ({ expiredAt, defined }) => {
    expect(temporaryUpgradeTimes(T0, T0 + HOUR, expiredAt) !== undefined).toBe(defined);
  });
});

describe('temporaryUpgradeWindow', () => {
  const w = (name: string, endH: number, temporaryUpgrade = true) => makeWindow({ name, end: T0 + endH * HOUR, temporaryUpgrade });
  it.each([
    { name: 'none among windows without temporary upgrades', windows: [w('a', 2, false)], expected: undefined },
    { name: 'the longest, listed in the middle', windows: [w('a', 2), w('b', 5), w('c', 3)], expected: 'b' },
    { name: 'the longest, listed first', windows: [w('a', 5), w('b', 2)], expected: 'a' },
    { name: 'the longest, listed last', windows: [w('a', 2), w('b', 5)], expected: 'b' },
    { name: 'a tie: the first listed', windows: [w('a', 5), w('b', 5)], expected: 'a' },
    { name: 'a longer window without temporary upgrades does not count', windows: [w('a', 2), w('b', 9, false)], expected: 'a' },
  ])('$name', ({ windows, expected }) => {
    expect(temporaryUpgradeWindow(windows)?.name).toBe(expected);
  });
});

describe('settleTemporaryUpgrade', () => {
  const running = { until: T0 + HOUR, base: 10, target: 20 };
  it.each([
    {
      name: 'before EndTime, while the instance still shows its base (StartTime not reached): kept',
      now: T0 + 30 * MINUTE,
      current: 10,
      lastChangeAt: T0 - 2 * HOUR,
      expected: undefined,
    },
    {
      name: 'reverted at EndTime exactly: forgotten, the revert dated EndTime',
      now: T0 + HOUR,
      current: 10,
      lastChangeAt: T0 - 2 * HOUR,
      expected: {
        reverted: true,
        lastTarget: 10,
        lastChangeAt: T0 + HOUR,
        message: 'the temporary upgrade to 20 Mbps reverted by itself at 2025-06-10T13Z; 10 Mbps now, no downgrade spent',
      },
    },
    {
      name: 'reverted, with no earlier change on record: the revert dated EndTime',
      now: T0 + HOUR + MINUTE,
      current: 10,
      lastChangeAt: undefined,
      expected: {
        reverted: true,
        lastTarget: 10,
        lastChangeAt: T0 + HOUR,
        message: 'the temporary upgrade to 20 Mbps reverted by itself at 2025-06-10T13Z; 10 Mbps now, no downgrade spent',
      },
    },
    {
      name: 'reverted, with a later change on record: the later one stays',
      now: T0 + 2 * HOUR,
      current: 10,
      lastChangeAt: T0 + HOUR + 30 * MINUTE,
      expected: {
        reverted: true,
        lastTarget: 10,
        lastChangeAt: T0 + HOUR + 30 * MINUTE,
        message: 'the temporary upgrade to 20 Mbps reverted by itself at 2025-06-10T13Z; 10 Mbps now, no downgrade spent',
      },
    },
    {
      name: 'still at the target after the grace: taken as the bandwidth, the last change left as it was',
      now: T0 + 2 * HOUR,
      current: 20,
      lastChangeAt: T0 - 2 * HOUR,
      expected: {
        reverted: false,
        lastTarget: 20,
        lastChangeAt: T0 - 2 * HOUR,
        message: 'the temporary upgrade to 20 Mbps should have reverted at 2025-06-10T13Z; DescribeInstances still shows it, so it is taken as the bandwidth',
      },
    },
  ])('$name', ({ now, current, lastChangeAt, expected }) => {
    const state = makeState({ temporaryUpgrade: running, lastTarget: 20, ...(lastChangeAt === undefined ? {} : { lastChangeAt }) });
    const settled = settleTemporaryUpgrade(state, current, now);
    if (expected === undefined) {
      expect(settled).toBeUndefined();
      return;
    }
    expect(settled?.state.temporaryUpgrade).toBeUndefined();
    expect({
      reverted: settled?.reverted,
      lastTarget: settled?.state.lastTarget,
      lastChangeAt: settled?.state.lastChangeAt,
      message: settled?.message,
    }).toEqual(expected);
  });
});

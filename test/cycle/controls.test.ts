import { describe, expect, it } from 'vitest';
import type { Control } from '../../src/core/controls';
import { readAlarmControls, readTickControls, remindLongPauses } from '../../src/cycle/controls';
import { createMemoryControlStore } from '../../src/state/control';
import { fakeWorld, T0 } from '../fakes/cycle-deps';
import { makeInstance } from '../fixtures/policies';

const DAY = 86_400_000;
const pause = (patch: Partial<Control> = {}): Control =>
  ({ kind: 'pause', scope: 'policy', target: 'web', reason: 'incident 42', by: 'ops', at: T0, ...patch }) as Control;

describe('the daily reminder of a long pause', () => {
  const world = () => fakeWorld([makeInstance()]);

  it('sends nothing during the first day', async () => {
    const w = world();
    await remindLongPauses(w.deps, [pause()], T0 + DAY - 1);
    expect(w.notices).toEqual([]);
  });

  it('sends one reminder per day the pause lasts, however many ticks (and shards) read it', async () => {
    const w = world();
    for (const at of [T0 + DAY, T0 + DAY + 60_000, T0 + DAY + 120_000, T0 + 2 * DAY + 1, T0 + 2 * DAY + 60_000]) await remindLongPauses(w.deps, [pause()], at);
    expect(w.notices.map((n) => n.type === 'control' && [n.instanceId, n.change, n.message.slice(0, 30)])).toEqual([
      ['policy/web', 'reminder', 'still paused after 1 day(s) (u'],
      ['policy/web', 'reminder', 'still paused after 2 day(s) (u'],
    ]);
  });

  it('reminds of no expired pause and of no override', async () => {
    const w = world();
    const controls: Control[] = [
      pause({ until: T0 + DAY }),
      { kind: 'override', scope: 'instance', target: 'i-test', bandwidth: 50, until: T0 + 3 * DAY, reason: 'launch', by: 'ops', at: T0 },
    ];
    await remindLongPauses(w.deps, controls, T0 + 2 * DAY);
    expect(w.notices).toEqual([]);
  });

  it('logs a failed reminder and lets the tick go on', async () => {
    const w = world();
    w.deps.store.markEventHandled = async () => {
      throw new Error('store down');
    };
    await expect(remindLongPauses(w.deps, [pause()], T0 + 2 * DAY)).resolves.toBeUndefined();
    expect(w.logs.map((l) => l.msg)).toContain('control reminder failed');
  });
});

describe('reading the control table', () => {
  it('reads nothing without a control store (the backtest)', async () => {
    const w = fakeWorld([makeInstance()]);
    expect(await readTickControls(w.deps)).toEqual([]);
    expect(await readAlarmControls(w.deps, 'i-test', 'web')).toEqual([]);
  });

  it('lets a failed read fail the invocation: a cycle that cannot see a pause must not act', async () => {
    const w = fakeWorld([makeInstance()]);
    const controls = createMemoryControlStore();
    controls.listControls = async () => {
      throw new Error('OTSServerBusy');
    };
    controls.controlsFor = controls.listControls;
    w.deps.controls = controls;
    await expect(readTickControls(w.deps)).rejects.toThrow('OTSServerBusy');
    await expect(readAlarmControls(w.deps, 'i-test', 'web')).rejects.toThrow('OTSServerBusy');
  });
});

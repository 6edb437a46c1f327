import { describe, expect, it } from 'vitest';
import { applyControls, type Control, controlsInForce, isControl } from '../../src/core/controls';
import { decide } from '../../src/core/decide';
import { HOUR, makeInput, makePolicy, T0, tickOf } from '../fixtures/policies';

const by = { by: 'ops', at: T0 - HOUR, reason: 'incident 42' };
const pauseFleet: Control = { kind: 'pause', scope: 'policy', target: 'web', ...by };
const pauseOne: Control = { kind: 'pause', scope: 'instance', target: 'i-test', until: T0 + HOUR, ...by };
const override: Control = { kind: 'override', scope: 'instance', target: 'i-test', bandwidth: 40, until: T0 + HOUR, ...by };

describe('applyControls: the control table merged into the policy', () => {
  const rows: Array<{ name: string; controls: Control[]; file?: Parameters<typeof makePolicy>[0]; paused: boolean; override?: number }> = [
    { name: 'no control: the policy file as it is', controls: [], paused: false },
    { name: 'a pause of the policy pauses its instance', controls: [pauseFleet], paused: true },
    { name: 'a pause of the instance pauses it', controls: [pauseOne], paused: true },
    { name: 'a pause of another policy does not', controls: [{ ...pauseFleet, target: 'batch' }], paused: false },
    { name: 'a pause of another instance does not', controls: [{ ...pauseOne, target: 'i-other' }], paused: false },
    { name: 'an expired pause is ignored', controls: [{ ...pauseOne, until: T0 }], paused: false },
    { name: "the file's own pause still pauses", controls: [], file: { paused: true }, paused: true },
    {
      name: 'a control override replaces the file override',
      controls: [override],
      file: { override: { bandwidth: 20, until: T0 + HOUR, reason: 'file' } },
      paused: false,
      override: 40,
    },
    {
      name: 'an expired control override leaves the file override',
      controls: [{ ...override, until: T0 - 1 }],
      file: { override: { bandwidth: 20, until: T0 + HOUR, reason: 'file' } },
      paused: false,
      override: 20,
    },
    { name: 'an override of another instance does not apply', controls: [{ ...override, target: 'i-other' }], paused: false },
    { name: 'a pause of a policy named like the instance does not pause it', controls: [{ ...pauseFleet, target: 'i-test' }], paused: false },
    { name: 'a pause of an instance named like the policy does not pause this one', controls: [{ ...pauseOne, target: 'web' }], paused: false },
  ];

  it.each(rows)('$name', ({ controls, file, paused, override: bandwidth }) => {
    const policy = applyControls(makePolicy(file), 'i-test', controls, T0);
    expect(policy.paused).toBe(paused);
    expect(policy.override?.bandwidth).toBe(bandwidth);
  });

  it.each([
    { name: 'no control of this instance', file: {}, controls: [{ ...pauseOne, target: 'i-other' }] },
    { name: "only the file's own pause", file: { paused: true }, controls: [] },
    { name: "only the file's own override", file: { override: { bandwidth: 20, until: T0 + HOUR, reason: 'file' } }, controls: [] },
  ])('returns the policy object itself when no control applies: $name', ({ file, controls }) => {
    const policy = makePolicy(file);
    expect(applyControls(policy, 'i-test', controls, T0)).toBe(policy);
  });

  it('does not change the policy it was given', () => {
    const policy = makePolicy();
    applyControls(policy, 'i-test', [pauseFleet, override], T0);
    expect(policy.paused).toBe(false);
    expect(policy.override).toBeUndefined();
  });

  it.each([
    {
      name: 'a control-table pause of the policy names who paused it, why and until when',
      controls: [pauseFleet],
      file: {},
      message: "policy 'web' is paused by ops in the control table until resumed: incident 42",
    },
    {
      name: 'a control-table pause of the instance names its end',
      controls: [pauseOne],
      file: {},
      message: `instance i-test is paused by ops in the control table until ${new Date(T0 + HOUR).toISOString()}: incident 42`,
    },
    {
      name: "the file's own pause says it comes from the policy file",
      controls: [],
      file: { paused: true },
      message: "policy 'web' is paused (paused: true in the policy file)",
    },
  ])('PAUSED message: $name', ({ controls, file, message }) => {
    const policy = applyControls(makePolicy({ name: 'web', ...file }), 'i-test', controls, T0);
    expect(decide(makeInput({ now: T0, policy, signal: tickOf(9, T0) }))).toMatchObject({ reason: 'PAUSED', message });
  });

  it('makes decide() hold with PAUSED while a control pause is in force, and scale up once it expires', () => {
    const busy = (now: number) => makeInput({ now, policy: applyControls(makePolicy(), 'i-test', [pauseOne], now), signal: tickOf(9, now) });
    expect(decide(busy(T0))).toMatchObject({ action: 'none', reason: 'PAUSED' });
    expect(decide(busy(T0 + HOUR))).toMatchObject({ action: 'set', reason: 'SCALE_UP' });
  });

  it('makes decide() set the control override', () => {
    const decision = decide(makeInput({ policy: applyControls(makePolicy(), 'i-test', [override], T0) }));
    expect(decision).toMatchObject({ action: 'set', target: 40, reason: 'OVERRIDE' });
  });
});

describe('controlsInForce: which source governs', () => {
  it.each([
    { name: 'the control table, for a control pause', controls: [pauseOne], file: {}, expected: { paused: 'control table' } },
    { name: 'the policy file, for its own pause', controls: [], file: { paused: true }, expected: { paused: 'policy file' } },
    {
      name: 'the control table over the file, for an override',
      controls: [override],
      file: { override: { bandwidth: 20, until: T0 + HOUR, reason: 'f' } },
      expected: { override: 'control table' },
    },
    {
      name: 'the policy file, for its own unexpired override',
      controls: [],
      file: { override: { bandwidth: 20, until: T0 + HOUR, reason: 'f' } },
      expected: { override: 'policy file' },
    },
    { name: 'nothing, for an expired file override', controls: [], file: { override: { bandwidth: 20, until: T0, reason: 'f' } }, expected: {} },
  ])('$name', ({ controls, file, expected }) => {
    const inForce = controlsInForce(makePolicy(file), 'i-test', controls as Control[], T0);
    expect({ ...(inForce.paused && { paused: inForce.paused.source }), ...(inForce.override && { override: inForce.override.source }) }).toEqual(expected);
  });
});

describe('controlsInForce: which of several controls is named', () => {
  const first = { ...pauseFleet, by: 'first', at: T0 - 2 * HOUR };
  const newer = { ...override, bandwidth: 60, at: T0 - HOUR + 1 };
  it.each([
    { name: "the instance's own pause over its policy's", controls: [pauseFleet, pauseOne], pause: pauseOne },
    { name: "the instance's own pause over its policy's, in any order", controls: [pauseOne, pauseFleet], pause: pauseOne },
    { name: 'the earlier of two pauses of the policy', controls: [pauseFleet, first], pause: first },
    { name: 'the earlier of two pauses of the policy, in any order', controls: [first, pauseFleet], pause: first },
  ])('pause: $name', ({ controls, pause }) => {
    expect(controlsInForce(makePolicy(), 'i-test', controls, T0).paused?.control).toBe(pause);
  });

  it.each([
    { name: 'the newer of two overrides', controls: [override, newer] },
    { name: 'the newer of two overrides, in any order', controls: [newer, override] },
  ])('override: $name', ({ controls }) => {
    expect(controlsInForce(makePolicy(), 'i-test', controls, T0).override?.bandwidth).toBe(60);
  });

  it.each([
    { name: 'a pause with an end says when it ends', control: pauseOne, until: T0 + HOUR },
    { name: 'a pause until resumed has no end', control: pauseFleet, until: undefined },
  ])('$name', ({ control, until }) => {
    expect(controlsInForce(makePolicy(), 'i-test', [control], T0).paused?.until).toBe(until);
  });
});

describe('isControl: a stored row read back', () => {
  it.each([
    { name: 'a pause without an end', value: pauseFleet, ok: true },
    { name: 'an override', value: override, ok: true },
    { name: 'an override of a policy', value: { ...override, scope: 'policy' }, ok: false },
    { name: 'an override without an end', value: { ...override, until: undefined }, ok: false },
    { name: 'a control without a reason', value: { ...pauseFleet, reason: '' }, ok: false },
    { name: 'an unknown kind', value: { ...pauseFleet, kind: 'freeze' }, ok: false },
    { name: 'not an object', value: 'pause', ok: false },
    { name: 'null', value: null, ok: false },
    { name: 'an override to 0 Mbps', value: { ...override, bandwidth: 0 }, ok: true },
    { name: 'an override to a negative bandwidth', value: { ...override, bandwidth: -1 }, ok: false },
    { name: 'an unknown kind of an instance, with an end and a bandwidth', value: { ...override, kind: 'freeze' }, ok: false },
    { name: 'an unknown scope', value: { ...pauseFleet, scope: 'fleet' }, ok: false },
    { name: 'a control without a target', value: { ...pauseFleet, target: undefined }, ok: false },
    { name: 'a target that is not text', value: { ...pauseFleet, target: 42 }, ok: false },
    { name: 'a time before 1970', value: { ...pauseFleet, at: -1 }, ok: false },
    { name: 'a time that is not whole milliseconds', value: { ...pauseFleet, at: T0 + 0.5 }, ok: false },
    { name: 'a pause whose end is not a time', value: { ...pauseOne, until: '2025-06-10T13:00:00Z' }, ok: false },
  ])('$name → $ok', ({ value, ok }) => {
    expect(isControl(value)).toBe(ok);
  });
});

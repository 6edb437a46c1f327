// How SDK errors become the project's errors. The fixtures are built the way the tablestore SDK
// builds them (lib/client.js extractError): `code` = the HTTP status, `message` = the protobuf
// Error{code, message} body decoded as UTF-8 text, plus " requestId:<id>".
import { describe, expect, it } from 'vitest';
import { BwscalerError, ConflictError, StoreUnavailableError } from '../../src/errors';
import { readOtsError, translateError } from '../../src/state/tablestore-client';

function varint(n: number): number[] {
  const bytes: number[] = [];
  for (; n >= 0x80; n >>>= 7) bytes.push((n & 0x7f) | 0x80);
  return [...bytes, n];
}

function field(tag: number, text: string): Buffer {
  const bytes = Buffer.from(text);
  return Buffer.from([tag, ...varint(bytes.length), ...bytes]);
}

function sdkError(status: number, code: string, message: string): Error {
  const body = Buffer.concat([field(0x0a, code), field(0x12, message)]);
  return Object.assign(new Error(`${body.toString()} requestId:req-1`), { code: status });
}

function transportError(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}

describe('readOtsError', () => {
  it.each([
    { name: 'a short message', message: 'Condition check failed.' },
    { name: 'a message longer than 127 bytes (two-byte length)', message: `Invalid ${'x'.repeat(200)} column.` },
    { name: 'a message whose length byte is printable', message: 'A'.repeat(65) },
  ])('reads the OTS code and the text of $name', ({ message }) => {
    const read = readOtsError(sdkError(403, 'OTSConditionCheckFail', message));

    expect(read).toEqual({ status: 403, code: 'OTSConditionCheckFail', message: `${message} requestId:req-1` });
  });
});

describe('translateError', () => {
  const rows = [
    { name: '403 OTSConditionCheckFail is a conflict', error: sdkError(403, 'OTSConditionCheckFail', 'Condition check failed.'), kind: ConflictError },
    { name: '503 OTSServerBusy is unavailable', error: sdkError(503, 'OTSServerBusy', 'Server is busy.'), kind: StoreUnavailableError },
    { name: '500 OTSInternalServerError is unavailable', error: sdkError(500, 'OTSInternalServerError', 'Internal error.'), kind: StoreUnavailableError },
    {
      name: '403 OTSNotEnoughCapacityUnit (throttled) is unavailable',
      error: sdkError(403, 'OTSNotEnoughCapacityUnit', 'Remaining capacity unit is not enough.'),
      kind: StoreUnavailableError,
    },
    {
      name: '409 OTSRowOperationConflict (a transient row lock) is unavailable',
      error: sdkError(409, 'OTSRowOperationConflict', 'Data is being modified.'),
      kind: StoreUnavailableError,
    },
    { name: 'an SDK timeout is unavailable', error: transportError('TimeoutError', 'Connection timed out after 3000ms'), kind: StoreUnavailableError },
    { name: 'a network failure is unavailable', error: transportError('NetworkingError', 'connect ECONNREFUSED 127.0.0.1:1'), kind: StoreUnavailableError },
    { name: '403 OTSAuthFailed is a plain BwscalerError', error: sdkError(403, 'OTSAuthFailed', 'Signature mismatch.'), kind: BwscalerError },
    {
      name: '404 OTSObjectNotExist is a plain BwscalerError',
      error: sdkError(404, 'OTSObjectNotExist', 'Requested table does not exist.'),
      kind: BwscalerError,
    },
  ];

  it.each(rows)('$name, naming the operation and the OTS code, keeping the cause', ({ error, kind }) => {
    const translated = translateError(error, 'PutRow bwscaler_state');

    expect(translated).toBeInstanceOf(kind);
    const { status, code } = readOtsError(error);
    expect((translated as Error).message).toContain('PutRow bwscaler_state');
    expect((translated as Error).message).toContain(code ?? String(status));
    expect((translated as Error).cause).toBe(error);
    if (kind === BwscalerError) {
      expect(translated).not.toBeInstanceOf(ConflictError);
      expect(translated).not.toBeInstanceOf(StoreUnavailableError);
    }
  });

  it('rethrows what is not an SDK error unchanged', () => {
    const bug = new TypeError("Cannot read properties of undefined (reading 'rowExistenceExpectation')");

    expect(translateError(bug, 'PutRow t')).toBe(bug);
  });
});

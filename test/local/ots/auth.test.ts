// Request authentication and protocol-level refusals, driven with raw HTTP so each header can be
// broken on its own; the SDK cases prove the happy path and a wrong secret.
import { createHash, createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeMessage, encodeMessage } from '../../../local-cloud/ots/proto';
import { otsError, TableStore } from './sdk';
import { createTable, INSTANCE, KEY, type RunningOts, STS_KEY, startOts } from './server';

let run: RunningOts;

beforeAll(async () => {
  run = await startOts();
  await createTable(run.client(), 'guarded', [['id', 'STRING']]);
});
afterAll(() => run.close());

interface RawRequest {
  method?: string;
  operation?: string;
  body?: Buffer;
  secret?: string;
  /** Header overrides applied after signing; `undefined` removes the header. */
  after?: Record<string, string | undefined>;
  /** Header overrides applied before signing (they are signed). */
  before?: Record<string, string>;
}

/**
 * Signs like the SDK (lib/signer.js), written out here rather than imported from the emulator so a
 * shared mistake cannot pass unnoticed.
 */
async function send({ method = 'POST', operation = 'ListTable', body = Buffer.alloc(0), secret = KEY.secret, after = {}, before = {} }: RawRequest) {
  const headers: Record<string, string> = {
    'x-ots-apiversion': '2015-12-31',
    'x-ots-instancename': INSTANCE,
    'x-ots-contentmd5': createHash('md5').update(body).digest('base64'),
    'x-ots-date': new Date().toISOString(),
    'x-ots-accesskeyid': KEY.id,
    ...before,
  };
  const canonical = Object.keys(headers)
    .sort()
    .map((h) => `${h}:${headers[h]}\n`)
    .join('');
  headers['x-ots-signature'] = createHmac('sha1', secret).update(`/${operation}\n${method}\n\n${canonical}`).digest('base64');
  for (const [name, value] of Object.entries(after)) {
    if (value === undefined) delete headers[name];
    else headers[name] = value;
  }
  const response = await fetch(`${run.endpoint}/${operation}`, { method, headers, ...(method === 'POST' ? { body } : {}) });
  const bytes = Buffer.from(await response.arrayBuffer());
  return { status: response.status, headers: response.headers, bytes };
}

function errorOf(bytes: Buffer) {
  return decodeMessage<{ code: string; message?: string }>('Error', bytes);
}

describe('a correctly signed request', () => {
  it('is answered 200 with a request id and the MD5 of the body', async () => {
    const response = await send({});

    expect(response.status).toBe(200);
    expect(response.headers.get('x-ots-requestid')).toMatch(/^[0-9a-f-]{36}$/);
    expect(response.headers.get('x-ots-contentmd5')).toBe(createHash('md5').update(response.bytes).digest('base64'));
    expect(decodeMessage<{ tableNames: string[] }>('ListTableResponse', response.bytes).tableNames).toEqual(['guarded']);
  });
});

describe('refused requests', () => {
  const hourAgo = new Date(Date.now() - 3_600_000).toISOString();

  it.each<{ name: string; request: RawRequest; status: number; code: string; message: string }>([
    { name: 'a signature made with another secret', request: { secret: 'wrong' }, status: 403, code: 'OTSAuthFailed', message: 'Signature mismatch.' },
    {
      name: 'an unknown access key id',
      request: { before: { 'x-ots-accesskeyid': 'LTAI-nobody' } },
      status: 403,
      code: 'OTSAuthFailed',
      message: 'The AccessKeyID does not exist.',
    },
    {
      name: 'another instance name',
      request: { before: { 'x-ots-instancename': 'other' } },
      status: 403,
      code: 'OTSAuthFailed',
      message: 'The instance is not found.',
    },
    {
      name: 'a missing x-ots-date',
      request: { after: { 'x-ots-date': undefined } },
      status: 400,
      code: 'OTSParameterInvalid',
      message: "Missing header: 'x-ots-date'.",
    },
    {
      name: 'a missing signature',
      request: { after: { 'x-ots-signature': undefined } },
      status: 400,
      code: 'OTSParameterInvalid',
      message: "Missing header: 'x-ots-signature'.",
    },
    {
      name: 'a date that is not ISO 8601',
      request: { before: { 'x-ots-date': 'yesterday' } },
      status: 400,
      code: 'OTSParameterInvalid',
      message: 'Invalid date format: yesterday.',
    },
    {
      name: 'a date an hour old',
      request: { before: { 'x-ots-date': hourAgo } },
      status: 403,
      code: 'OTSAuthFailed',
      message: `Mismatch between system time and x-ots-date: ${hourAgo}.`,
    },
    {
      name: 'a body that does not match x-ots-contentmd5',
      request: { before: { 'x-ots-contentmd5': createHash('md5').update('other').digest('base64') } },
      status: 403,
      code: 'OTSAuthFailed',
      message: 'Mismatch between MD5 value of request body and x-ots-contentmd5 in header.',
    },
    {
      name: 'an unsigned header added after signing',
      request: { after: { 'x-ots-ststoken': 'smuggled' } },
      status: 403,
      code: 'OTSAuthFailed',
      message: 'The x-ots-ststoken does not match the AccessKeyID.',
    },
    {
      name: 'a GET',
      request: { method: 'GET' },
      status: 405,
      code: 'OTSMethodNotAllowed',
      message: 'OTSMethodNotAllowedOnly POST method for requests is supported.',
    },
    {
      name: 'an unknown operation',
      request: { operation: 'DropEverything' },
      status: 400,
      code: 'OTSParameterInvalid',
      message: "Unsupported operation: 'DropEverything'.",
    },
  ])('answers $code ($status) to $name', async ({ request, status, code, message }) => {
    const response = await send(request);

    expect(response.status).toBe(status);
    expect(errorOf(response.bytes)).toEqual({ code, message });
    expect(response.headers.get('x-ots-requestid')).toBeTruthy();
  });

  it.each([
    { name: 'a body that is not the request message', operation: 'DescribeTable', body: Buffer.from([0xff, 0xff, 0xff]), message: /Invalid request body/ },
    {
      name: 'a row whose cell checksum is wrong',
      operation: 'PutRow',
      body: encodeMessage('PutRowRequest', {
        tableName: 'guarded',
        row: (() => {
          const row = TableStore.PlainBufferBuilder.serializeForPutRow([{ id: 'a' }], [{ v: 'x' }]);
          row[row.indexOf(Buffer.from('x'))] = 'y'.charCodeAt(0);
          return row;
        })(),
        condition: { rowExistence: 0 },
      }),
      message: /cell checksum mismatch for "v"/,
    },
  ])('answers OTSParameterInvalid (400) to $name', async ({ operation, body, message }) => {
    const response = await send({ operation, body });

    expect(response.status).toBe(400);
    expect(errorOf(response.bytes).code).toBe('OTSParameterInvalid');
    expect(errorOf(response.bytes).message).toMatch(message);
  });
});

describe('through the SDK', () => {
  const listWith = (config: Record<string, unknown>) =>
    run
      .client(config)
      .listTable({})
      .then(
        (r) => ({ tables: r.tableNames }),
        (e: unknown) => otsError(e),
      );

  it.each([
    { name: 'a wrong secret', config: { secretAccessKey: 'wrong' }, expected: { status: 403, code: 'OTSAuthFailed' } },
    {
      name: 'an STS key without its token',
      config: { accessKeyId: STS_KEY.id, secretAccessKey: STS_KEY.secret },
      expected: { status: 403, code: 'OTSAuthFailed' },
    },
    {
      name: 'an STS key with another token',
      config: { accessKeyId: STS_KEY.id, secretAccessKey: STS_KEY.secret, stsToken: 'stale' },
      expected: { status: 403, code: 'OTSAuthFailed' },
    },
    {
      name: 'an STS key with its token',
      config: { accessKeyId: STS_KEY.id, secretAccessKey: STS_KEY.secret, stsToken: STS_KEY.securityToken },
      expected: { tables: ['guarded'] },
    },
  ])('with $name', async ({ config, expected }) => {
    expect(await listWith(config)).toMatchObject(expected);
  });
});

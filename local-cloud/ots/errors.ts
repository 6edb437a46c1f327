// The errors the emulated Tablestore answers with. Codes, HTTP statuses and messages follow the
// service's published error table ("Tablestore: Error codes", help.aliyun.com document 27300);
// where the table gives no wording, the message is ours and says what was wrong and where.

/** A documented Tablestore error: serialised as protobuf Error{code, message} with `status`. */
export class OtsError extends Error {
  override name = 'OtsError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export const parameterInvalid = (message: string) => new OtsError(400, 'OTSParameterInvalid', message);
export const authFailed = (message: string) => new OtsError(403, 'OTSAuthFailed', message);
export const conditionCheckFailed = () => new OtsError(403, 'OTSConditionCheckFail', 'Condition check failed.');
export const tableNotFound = () => new OtsError(404, 'OTSObjectNotExist', 'Requested table does not exist.');
export const tableExists = () => new OtsError(409, 'OTSObjectAlreadyExist', 'Requested table already exists.');

/**
 * Status and message of the codes fault injection can raise, from the published table. A code not
 * listed here is injected as 503 with a generic message unless the fault names a status.
 */
export const KNOWN_FAULTS: Record<string, { status: number; message: string }> = {
  OTSServerBusy: { status: 503, message: 'Server is busy.' },
  OTSTimeout: { status: 503, message: 'Operation timeout.' },
  OTSServerUnavailable: { status: 503, message: 'Server is not available.' },
  OTSPartitionUnavailable: { status: 503, message: 'The partition is not available.' },
  OTSInternalServerError: { status: 500, message: 'Internal server error.' },
  OTSRowOperationConflict: { status: 409, message: 'Data is being modified by the other request.' },
  OTSNotEnoughCapacityUnit: { status: 403, message: 'Remaining capacity unit is not enough.' },
  OTSQuotaExhausted: { status: 403, message: 'Too frequent table operations.' },
  OTSTableNotReady: { status: 404, message: 'The table is not ready.' },
  OTSConditionCheckFail: { status: 403, message: 'Condition check failed.' },
  OTSAuthFailed: { status: 403, message: 'Signature mismatch.' },
  OTSParameterInvalid: { status: 400, message: 'The input parameter is invalid.' },
};

// The local cloud's own error for a bad fixture or template: it imports nothing from the product (src/),
// so that the emulators stay an independent check of what the product believes about the cloud.

/** A fixture, template or option the local cloud cannot use; `issues` lists each problem with its path. */
export class LocalCloudInputError extends Error {
  override name = 'LocalCloudInputError';
  constructor(
    message: string,
    readonly issues: string[] = [message],
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

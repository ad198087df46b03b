// An answer with a status and a stable error code ({ error, message }); thrown by the API's handlers.
import type { ErrorCode } from './messages.ts';

export class HttpError extends Error {
  readonly status: number;
  readonly code: ErrorCode;
  readonly detail: string | undefined;
  constructor(status: number, code: ErrorCode, detail?: string) {
    super(code);
    this.status = status;
    this.code = code;
    this.detail = detail;
  }
}

import type { ErrorDetails } from './app-error.js';
import type { ErrorCode } from './error-codes.js';

export interface ErrorBody {
  error: ErrorCode;
  message: string;
  details: ErrorDetails;
  timestamp: string;
  status_code: number;
}

/** UTC with six fraction digits and no zone, e.g. `2025-01-01T00:00:00.000000`. */
export function errorTimestamp(now = new Date()): string {
  return `${now.toISOString().slice(0, -1)}000`;
}

export function errorBody(error: ErrorCode, status: number, message: string, details: ErrorDetails, timestamp = errorTimestamp()): ErrorBody {
  return { error, message, details, timestamp, status_code: status };
}

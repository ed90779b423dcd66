import { ConflictError, GoneError, NotFoundError } from '../common/errors/app-error.js';
import type { TokenPurpose } from './account-token.js';

/**
 * An unknown, used or voided link, or one sent to an address the user no longer has. The token is
 * never echoed: `resource_id` names the kind of link.
 */
export const tokenNotFound = (purpose: TokenPurpose) => new NotFoundError('token', purpose);

export const tokenExpired = (purpose: TokenPurpose) => new GoneError('The link has expired', 'token', purpose);

export const alreadyVerified = () => new ConflictError('The email address is already verified', { reason: 'already_verified' });

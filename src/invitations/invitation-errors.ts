import { ConflictError, GoneError, NotFoundError } from '../common/errors/app-error.js';
import type { InvitationState } from './invitations.repository.js';

/** The 4xx of invitations, thrown by the services and shown as examples in the docs. */
export const alreadyMemberByEmail = () => new ConflictError('A user with this email is already a member', { reason: 'already_member' });

export const alreadyAccepted = () => new ConflictError('The invitation has already been accepted', { reason: 'already_accepted' });

export const notPending = (state: InvitationState) => new ConflictError(`The invitation is ${state}`, { reason: 'not_pending', state });

export const pendingExists = () =>
  new ConflictError('Another invitation to this address is pending; revoke it or resend that one', { reason: 'pending_invitation_exists' });

export const invitationExpired = (invitationId: string) => new GoneError('The invitation has expired', 'invitation', invitationId, 'expired');

/** An unknown or revoked token: the token is not echoed back, so the id names only the kind of lookup. */
export const unknownToken = () => new NotFoundError('invitation', 'token');

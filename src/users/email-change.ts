import type { EntityManager } from 'typeorm';
import type { UserResponse } from './dto/user-response.dto.js';

/**
 * Told when a user's email changes, so the new address can be verified. Provided (globally) by the
 * feature that mails verification links; without one, an email change sends nothing.
 */
export interface EmailChangeListener {
  /** Inside the transaction that changed the email; `user` is the row as committed with it. */
  emailChanged(m: EntityManager, user: UserResponse): Promise<void>;
  /** After that transaction committed. */
  committed(): void;
}

export const EMAIL_CHANGE_LISTENER = Symbol('EMAIL_CHANGE_LISTENER');

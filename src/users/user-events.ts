import { fieldChanges } from '../events/changes.js';
import type { NewEvent } from '../events/event-types.js';
import type { User } from '../database/entities/user.entity.js';
import { toUserResponse } from './user-response.js';

const target = (userId: string) => ({ type: 'user', id: userId });

export function userCreated(row: User): NewEvent {
  return { type: 'user.created', target: target(row.user_id), data: { ...toUserResponse(row) } };
}

export function userDeleted(userId: string): NewEvent {
  return { type: 'user.deleted', target: target(userId), data: null };
}

/**
 * The events of one update: `user.updated` with the changed public fields, `user.password_changed`
 * when a new password was set (its value never appears) and `user.disabled` when the account was
 * deactivated.
 */
export function userUpdateEvents(before: User, after: User, passwordChanged: boolean): NewEvent[] {
  const data = { ...toUserResponse(after) };
  const changes = fieldChanges({ ...toUserResponse(before) }, data);
  const events: NewEvent[] = [];
  if (changes) events.push({ type: 'user.updated', target: target(after.user_id), data, changes });
  if (passwordChanged) events.push({ type: 'user.password_changed', target: target(after.user_id), data });
  if (before.is_active && !after.is_active) events.push({ type: 'user.disabled', target: target(after.user_id), data });
  return events;
}

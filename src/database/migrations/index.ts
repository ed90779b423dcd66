import { InitialSchema1764370000000 } from './1764370000000-InitialSchema.js';
import { OrganizationsKeysetIndex1764390000000 } from './1764390000000-OrganizationsKeysetIndex.js';
import { LoginKeepsUpdatedAt1764400000000 } from './1764400000000-LoginKeepsUpdatedAt.js';
import { MemberCountPerStatement1764550000000 } from './1764550000000-MemberCountPerStatement.js';
import { SessionRevocation1764560000000 } from './1764560000000-SessionRevocation.js';
import { NormalizeEmails1764560000001 } from './1764560000001-NormalizeEmails.js';
import { UsersInactiveKeysetIndex1764570000000 } from './1764570000000-UsersInactiveKeysetIndex.js';
import { EventsAndJobs1764600000000 } from './1764600000000-EventsAndJobs.js';
import { ResourceVersions1764610000000 } from './1764610000000-ResourceVersions.js';
import { IdempotencyKeys1764610000001 } from './1764610000001-IdempotencyKeys.js';
import { EventsFeedIndexes1764620000000 } from './1764620000000-EventsFeedIndexes.js';
import { Webhooks1764620000001 } from './1764620000001-Webhooks.js';
import { Invitations1764630000000 } from './1764630000000-Invitations.js';
import { AccountTokens1764660000000 } from './1764660000000-AccountTokens.js';
import { ApiKeys1764640000000 } from './1764640000000-ApiKeys.js';

/** Every migration, oldest first. A new migration is added here as well as in this folder. */
export const MIGRATIONS = [
  InitialSchema1764370000000,
  OrganizationsKeysetIndex1764390000000,
  LoginKeepsUpdatedAt1764400000000,
  MemberCountPerStatement1764550000000,
  SessionRevocation1764560000000,
  NormalizeEmails1764560000001,
  UsersInactiveKeysetIndex1764570000000,
  EventsAndJobs1764600000000,
  ResourceVersions1764610000000,
  IdempotencyKeys1764610000001,
  EventsFeedIndexes1764620000000,
  Webhooks1764620000001,
  Invitations1764630000000,
  AccountTokens1764660000000,
  ApiKeys1764640000000,
];

import { InitialSchema1764370000000 } from './1764370000000-InitialSchema.js';

/** Every migration, oldest first. A new migration is added here as well as in this folder. */
export const MIGRATIONS = [InitialSchema1764370000000];

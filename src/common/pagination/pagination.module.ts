import { createHmac } from 'node:crypto';
import { Global, Module, type DynamicModule } from '@nestjs/common';
import { EXPENSIVE_READ_SLOTS } from '../concurrency/expensive-read.js';
import { DEFAULT_EXPENSIVE_READS, KeyedSlots, type SlotLimits } from '../concurrency/slots.js';
import { CursorCodec } from './cursor.js';

export interface PaginationOptions {
  /** Signs the list cursors; at least 32 characters. Every instance of a service must share it. */
  secret: string;
  /** How many list reads one caller may run and queue at once (default 2 running, 8 waiting 2 s). */
  expensiveReads?: SlotLimits;
}


/**
 * The cursor codec and the per-caller limit of list reads that the users, workspaces and members
 * lists need, for a service that mounts those modules without the rest of this one (which provides
 * both through its CommonModule).
 */
@Global()
@Module({})
export class PaginationModule {
  static forRoot(options: PaginationOptions): DynamicModule {
    if (!options.secret || options.secret.length < 32) throw new Error('PaginationModule needs a secret of at least 32 characters');
    const key = createHmac('sha256', options.secret).update('pagination-cursor-v1').digest();
    const providers = [
      { provide: CursorCodec, useValue: new CursorCodec(key) },
      { provide: EXPENSIVE_READ_SLOTS, useValue: new KeyedSlots(options.expensiveReads ?? DEFAULT_EXPENSIVE_READS) },
    ];
    return { module: PaginationModule, providers, exports: [CursorCodec, EXPENSIVE_READ_SLOTS] };
  }
}

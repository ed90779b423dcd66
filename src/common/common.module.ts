import { createHmac } from 'node:crypto';
import { Global, Module } from '@nestjs/common';
import { APP_CONFIG } from '../config/config.module.js';
import type { AppConfig } from '../config/config.js';
import { EXPENSIVE_READ_SLOTS } from './concurrency/expensive-read.js';
import { KeyedSlots } from './concurrency/slots.js';
import { CursorCodec } from './pagination/cursor.js';

/** Cursors are signed with a key derived from the token secret, so every instance agrees on them. */
function cursorKey(config: AppConfig): Buffer {
  const material = config.jwt.privateKeyPem ?? config.jwt.secret ?? '';
  return createHmac('sha256', material).update('pagination-cursor-v1').digest();
}

@Global()
@Module({
  providers: [
    { provide: CursorCodec, inject: [APP_CONFIG], useFactory: (config: AppConfig) => new CursorCodec(cursorKey(config)) },
    { provide: EXPENSIVE_READ_SLOTS, inject: [APP_CONFIG], useFactory: (config: AppConfig) => new KeyedSlots(config.expensiveReads) },
  ],
  exports: [CursorCodec, EXPENSIVE_READ_SLOTS],
})
export class CommonModule {}

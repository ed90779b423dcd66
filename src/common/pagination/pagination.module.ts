import { createHmac } from 'node:crypto';
import { Global, Module, type DynamicModule } from '@nestjs/common';
import { CursorCodec } from './cursor.js';

export interface PaginationOptions {
  /** Signs the list cursors; at least 32 characters. Every instance of a service must share it. */
  secret: string;
}

/**
 * The cursor codec that the users, workspaces and members lists need, for a service that mounts
 * those modules without the rest of this one (which provides the codec through its CommonModule).
 */
@Global()
@Module({})
export class PaginationModule {
  static forRoot(options: PaginationOptions): DynamicModule {
    if (!options.secret || options.secret.length < 32) throw new Error('PaginationModule needs a secret of at least 32 characters');
    const key = createHmac('sha256', options.secret).update('pagination-cursor-v1').digest();
    return { module: PaginationModule, providers: [{ provide: CursorCodec, useValue: new CursorCodec(key) }], exports: [CursorCodec] };
  }
}

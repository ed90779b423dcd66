import { Global, Module, type DynamicModule } from '@nestjs/common';
import { MAIL_OPTIONS, MailService, type MailOptions } from './mail.service.js';

/** Outgoing mail through the background queue; global, so invitations and accounts share it. */
@Global()
@Module({})
export class MailModule {
  static forRoot(options: MailOptions): DynamicModule {
    return {
      module: MailModule,
      providers: [MailService, { provide: MAIL_OPTIONS, useValue: options }],
      exports: [MailService],
    };
  }
}

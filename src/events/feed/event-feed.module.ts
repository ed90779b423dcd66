import { Module, type DynamicModule } from '@nestjs/common';
import { AccessModule } from '../../access/access.module.js';
import { EventFeedService } from './event-feed.service.js';
import { EventReadsRepository } from './event-reads.repository.js';
import { EVENT_FEED_OPTIONS, EventRetention, type EventFeedOptions } from './event-retention.js';
import { EventsController } from './events.controller.js';

/** The events feed and audit log endpoints, and the retention purge. */
@Module({})
export class EventFeedModule {
  static forRoot(options: EventFeedOptions): DynamicModule {
    return {
      module: EventFeedModule,
      imports: [AccessModule],
      controllers: [EventsController],
      providers: [EventReadsRepository, EventFeedService, EventRetention, { provide: EVENT_FEED_OPTIONS, useValue: options }],
      exports: [EventFeedService, EventRetention, EventReadsRepository],
    };
  }
}

import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { ConsumerModule } from './consumer.module.js';

const env = process.env;
const app = await NestFactory.create(
  ConsumerModule.forRoot({
    databaseUrl: env.DATABASE_URL ?? '',
    jwtSecret: env.JWT_SECRET ?? '',
    issuer: env.JWT_ISSUER ?? 'identity-service',
    audience: env.JWT_AUDIENCE ?? 'identity-service',
  }),
  { logger: ['error', 'warn'] },
);
app.enableShutdownHooks();
await app.listen(0, '127.0.0.1');
console.log(`listening ${await app.getUrl()}`);

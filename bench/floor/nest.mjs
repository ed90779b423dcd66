// NestJS 12 on Express with one controller and one route: no guard, pipe, filter or middleware.
import 'reflect-metadata';
import { Controller, Get, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';

class Live {
  live() {
    return { status: 'ok' };
  }
}
Reflect.decorate([Get('health/live')], Live.prototype, 'live', Object.getOwnPropertyDescriptor(Live.prototype, 'live'));
const LiveController = Reflect.decorate([Controller()], Live);
const LiveModule = Reflect.decorate([Module({ controllers: [LiveController] })], class {});

const app = await NestFactory.create(LiveModule, { logger: false });
app.getHttpAdapter().getInstance().set('etag', false);
app.getHttpAdapter().getInstance().disable('x-powered-by');
await app.listen(Number(process.env.PORT), '127.0.0.1');

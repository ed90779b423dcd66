import { Module, type DynamicModule, type FactoryProvider } from '@nestjs/common';
import { PassportModule } from '@nestjs/passport';
import { JWT_OPTIONS, type JwtOptions } from './auth.options.js';
import { JwtAuthGuard } from './jwt-auth.guard.js';
import { buildJwtKeys, JWT_KEYS } from './jwt-keys.js';
import { JwtStrategy } from './jwt.strategy.js';
import { TokenService } from './token.service.js';

export interface AuthModuleAsyncOptions {
  imports?: DynamicModule['imports'];
  inject?: FactoryProvider['inject'];
  useFactory: (...args: any[]) => JwtOptions | Promise<JwtOptions>;
}

const CORE_PROVIDERS = [
  { provide: JWT_KEYS, inject: [JWT_OPTIONS], useFactory: buildJwtKeys },
  JwtStrategy,
  JwtAuthGuard,
  TokenService,
];
const CORE_EXPORTS = [JWT_OPTIONS, JWT_KEYS, JwtAuthGuard, TokenService];

/** Access-token verification (JWT guard, strategy) and issuing. Needs a TypeORM DataSource. */
@Module({})
export class AuthModule {
  static forRoot(options: JwtOptions): DynamicModule {
    return {
      module: AuthModule,
      imports: [PassportModule],
      providers: [{ provide: JWT_OPTIONS, useValue: options }, ...CORE_PROVIDERS],
      exports: CORE_EXPORTS,
    };
  }

  static forRootAsync(options: AuthModuleAsyncOptions): DynamicModule {
    return {
      module: AuthModule,
      imports: [PassportModule, ...(options.imports ?? [])],
      providers: [{ provide: JWT_OPTIONS, inject: options.inject ?? [], useFactory: options.useFactory }, ...CORE_PROVIDERS],
      exports: CORE_EXPORTS,
    };
  }
}

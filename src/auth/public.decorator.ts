import { SetMetadata } from '@nestjs/common';

/** Metadata key marking a route that needs no access token. */
export const IS_PUBLIC_KEY = 'is_public';

export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(IS_PUBLIC_KEY, true);

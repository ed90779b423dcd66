import { Injectable, type ArgumentMetadata, type PipeTransform } from '@nestjs/common';
import type { Location } from './pydantic-errors.js';
import { isDto, validateDto } from './validate-dto.js';

const LOCATIONS: Partial<Record<ArgumentMetadata['type'], Location>> = { body: 'body', query: 'query', param: 'path' };

/** Global pipe: validates `@Body()`, `@Query()` and `@Param()` DTOs and answers 422 in the pydantic shape. */
@Injectable()
export class PydanticValidationPipe implements PipeTransform {
  async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const location = LOCATIONS[metadata.type];
    if (!location || metadata.data || !isDto(metadata.metatype)) return value;
    return validateDto(metadata.metatype, value, location);
  }
}

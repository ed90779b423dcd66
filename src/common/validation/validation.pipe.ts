import { Injectable, type ArgumentMetadata, type PipeTransform } from '@nestjs/common';
import type { Location } from './pydantic-errors.js';
import { isDto, validateDto } from './validate-dto.js';

const LOCATIONS: Partial<Record<ArgumentMetadata['type'], Location>> = { body: 'body', query: 'query', param: 'path' };

/**
 * Global pipe: validates `@Body()`, `@Query()` and `@Param()` DTOs and answers 422 in the pydantic
 * shape. A value that already is an instance of its DTO was validated earlier on this request (path
 * and query DTOs, by the permission guard) and is passed on as it is.
 */
@Injectable()
export class PydanticValidationPipe implements PipeTransform {
  async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const location = LOCATIONS[metadata.type];
    if (!location || metadata.data || !isDto(metadata.metatype)) return value;
    if (value instanceof metadata.metatype) return value;
    return validateDto(metadata.metatype, value, location);
  }
}

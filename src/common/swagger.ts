import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';

export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Identity and workspace-membership service')
    .setDescription('Users, organizations, workspaces, workspace members and authentication.')
    .setVersion('1.0.0')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }, 'bearer')
    .addOAuth2({ type: 'oauth2', flows: { password: { tokenUrl: '/v1/auth/token', scopes: {} } } }, 'oauth2')
    .build();
  return SwaggerModule.createDocument(app, config, { operationIdFactory: (_controller, method) => method });
}

/** `GET /docs` (Swagger UI) and `GET /openapi.json`. */
export function setupSwagger(app: INestApplication): void {
  const document = buildOpenApiDocument(app);
  SwaggerModule.setup('docs', app, document, {
    jsonDocumentUrl: 'openapi.json',
    raw: ['json'],
    swaggerOptions: { persistAuthorization: true },
  });
}

export { createApp } from './app.js';
export type { ApiDeps } from './app.js';
export { openApiDocument } from './openapi.js';
export type { TenantScope, TenantScopes } from './scope.js';

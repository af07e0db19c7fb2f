export { createApp } from './app.js';
export type { ApiDeps } from './app.js';
export { openApiDocument } from './openapi.js';
export type { TenantScope, TenantScopes } from './scope.js';
export { checkReadiness, READINESS_CHECKS } from './health.js';
export type { CheckResult, ReadinessName, ReadinessProbe } from './health.js';

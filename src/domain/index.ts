export * from './artifacts.js';
export * from './errors.js';
export * from './evidence.js';
export * from './jobs.js';
export * from './window.js';
export * from './instant.js';
export * from './text.js';

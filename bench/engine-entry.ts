export * from '../src/main/engine/index';

// Evaluation on LFW-format benchmarks: runners (`presence eval lfw|ident`) and their metric math.
export { evaluateLfw, evaluateLfwDetailed, type LfwReport } from './lfw';
export { evaluateIdent, type IdentReport } from './ident';
export * from './metrics';
export { parsePairs, parseIdentList, lfwImagePath } from './pairs';

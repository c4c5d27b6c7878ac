// Evaluation on LFW-format benchmarks: runners (`presence eval lfw|ident`) and their metric math.
export { evaluateLfw, evaluateLfwDetailed, type LfwReport } from './lfw';
export { evaluateIdent, evaluateIdentDetailed, type IdentReport, type IdentScoring } from './ident';
export * from './metrics';
export { parsePairs, parseIdentList, lfwImagePath } from './pairs';
export { clusteringQuality, type ClusteringQuality, type PrecisionRecall } from './clustering-metrics';

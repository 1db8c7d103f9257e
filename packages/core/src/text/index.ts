/** Full-text analysis: analyzers (Milvus's analyzer_params), run_analyzer, term ids. */
export { createAnalyzer, type Analyzer } from './analyzer.ts';
export { runAnalyzer, type RunAnalyzerRequest, type AnalyzerResult, type AnalyzerTokenDetail } from './run-analyzer.ts';
export { termHash } from './term-hash.ts';
export type { Token } from './token.ts';

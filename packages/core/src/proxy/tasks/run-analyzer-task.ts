/**
 * RunAnalyzer (Milvus 2.5's API to show what an analyzer makes of some texts): with
 * `analyzer_params`, or with `collection_name` + `field_name` to run that field's analyzer.
 * Milvus's multi-analyzer `analyzer_names` is not implemented and is refused by name.
 */
import { VesperError } from '../../errors/index.ts';
import { runAnalyzer, type AnalyzerResult, type RunAnalyzerRequest } from '../../text/run-analyzer.ts';
import { Task, SUCCESS, type Status } from '../task.ts';

export interface RunAnalyzerTaskRequest extends RunAnalyzerRequest {
  db_name?: string;
  collection_name?: string;
  field_name?: string;
  analyzer_names?: unknown;
}

export class RunAnalyzerTask extends Task<RunAnalyzerTaskRequest, { status: Status; results: AnalyzerResult[] }> {
  readonly name = 'RunAnalyzer';
  readonly queue = 'dql' as const;
  private results: AnalyzerResult[] = [];

  async execute(): Promise<void> {
    const r = this.req;
    if (r.analyzer_names !== undefined) throw new VesperError('PARAMETER_INVALID', 'run_analyzer: analyzer_names (multi-language analyzers) is not supported');
    let params = r.analyzer_params;
    if (r.collection_name !== undefined || r.field_name !== undefined) {
      if (r.analyzer_params !== undefined) throw new VesperError('PARAMETER_INVALID', 'run_analyzer: give analyzer_params or collection_name + field_name, not both');
      const info = this.ctx.collection({ ...r, collection_name: r.collection_name ?? '' });
      const field = info.schema.fields.find((f) => f.name === r.field_name && !f.is_dynamic);
      if (!field) throw new VesperError('FIELD_NOT_FOUND', `field ${String(r.field_name)} not found in collection ${info.name}`);
      if (field.enable_analyzer !== true) throw new VesperError('PARAMETER_INVALID', `field ${field.name} has no analyzer (enable_analyzer is not set)`);
      params = field.analyzer_params ?? {};
    }
    this.results = await runAnalyzer({ ...r, analyzer_params: params });
  }

  postExecute(): { status: Status; results: AnalyzerResult[] } {
    return { status: SUCCESS, results: this.results };
  }
}

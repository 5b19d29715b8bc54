// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Data;

namespace Microsoft.ML.Peft.Tasks;

/// <summary>
/// Row-at-a-time prediction for <c>PredictionEngine</c>: the row's input is read and predicted when an added column is first
/// asked for, and the prediction is kept while the input stays on the same row.
/// </summary>
internal sealed class BatchPredictorRowMapper<TInput, TPrediction> : IRowToRowMapper
{
    private readonly IBatchPredictor<TInput, TPrediction> _predictor;
    private readonly int[] _inputColumns;

    internal BatchPredictorRowMapper(DataViewSchema inputSchema, IBatchPredictor<TInput, TPrediction> predictor)
    {
        _predictor = predictor;
        InputSchema = inputSchema;
        OutputSchema = predictor.GetOutputSchema(inputSchema);
        _inputColumns = predictor.InputColumns(inputSchema).Select(c => c.Index).ToArray();
    }

    public DataViewSchema InputSchema { get; }

    public DataViewSchema OutputSchema { get; }

    public IEnumerable<DataViewSchema.Column> GetDependencies(IEnumerable<DataViewSchema.Column> dependingColumns) =>
        dependingColumns
            .SelectMany(c => c.Index < InputSchema.Count ? new[] { c.Index } : _inputColumns)
            .Distinct()
            .Order()
            .Select(i => InputSchema[i]);

    public DataViewRow GetRow(DataViewRow input, IEnumerable<DataViewSchema.Column> activeColumns) =>
        new Row(this, input, activeColumns.Select(c => c.Index).ToHashSet());

    private sealed class Row : DataViewRow
    {
        private readonly BatchPredictorRowMapper<TInput, TPrediction> _mapper;
        private readonly DataViewRow _input;
        private readonly HashSet<int> _active;
        private long _predictedPosition = -1;
        private bool _predicted;
        private TPrediction _prediction = default!;

        internal Row(BatchPredictorRowMapper<TInput, TPrediction> mapper, DataViewRow input, HashSet<int> active)
        {
            _mapper = mapper;
            _input = input;
            _active = active;
        }

        public override DataViewSchema Schema => _mapper.OutputSchema;

        public override long Position => _input.Position;

        public override long Batch => _input.Batch;

        public override ValueGetter<DataViewRowId> GetIdGetter() => _input.GetIdGetter();

        public override bool IsColumnActive(DataViewSchema.Column column) => _active.Contains(column.Index);

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            int outputIndex = column.Index - _mapper.InputSchema.Count;
            if (outputIndex < 0)
            {
                return _input.GetGetter<TValue>(_input.Schema[column.Index]);
            }

            var read = _mapper._predictor.CreateInputReader(_input);
            TPrediction Current()
            {
                if (!_predicted || _predictedPosition != _input.Position)
                {
                    _prediction = _mapper._predictor.Predict(new[] { read() })[0];
                    _predictedPosition = _input.Position;
                    _predicted = true;
                }

                return _prediction;
            }

            return _mapper._predictor.CreateOutputGetter<TValue>(column, outputIndex, Current);
        }
    }
}

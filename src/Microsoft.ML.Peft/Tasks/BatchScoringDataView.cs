// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Data;

namespace Microsoft.ML.Peft.Tasks;

/// <summary>
/// The lazy result of a task transformer's <c>Transform</c>: the input columns plus the columns the predictor adds, computed
/// a read-ahead window at a time as a cursor moves. A second cursor over the input reads the inputs of the next window ahead of
/// the row being served, so the model sees full, length-sorted batches while rows still stream one at a time. Only the requested columns are read, and
/// nothing is predicted when no added column is requested.
/// </summary>
internal sealed class BatchScoringDataView<TInput, TPrediction> : IDataView
{
    private readonly IDataView _input;
    private readonly IBatchPredictor<TInput, TPrediction> _predictor;

    internal BatchScoringDataView(IDataView input, IBatchPredictor<TInput, TPrediction> predictor)
    {
        _input = input;
        _predictor = predictor;
        Schema = predictor.GetOutputSchema(input.Schema);
    }

    /// <summary>Rows keep their input order, because the read-ahead cursor must visit them in the same order.</summary>
    public bool CanShuffle => false;

    public DataViewSchema Schema { get; }

    public long? GetRowCount() => _input.GetRowCount();

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null) =>
        new Cursor(this, columnsNeeded.Select(c => c.Index).ToHashSet());

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
        new[] { GetRowCursor(columnsNeeded, rand) };

    private sealed class Cursor : DataViewRowCursor
    {
        private readonly BatchScoringDataView<TInput, TPrediction> _view;
        private readonly HashSet<int> _active;
        private readonly DataViewRowCursor _input;
        private readonly DataViewRowCursor? _lookahead;
        private readonly Func<TInput>? _read;
        private readonly int _outputIndex;
        private IReadOnlyList<TPrediction> _predictions = Array.Empty<TPrediction>();
        private long _batchStart;

        internal Cursor(BatchScoringDataView<TInput, TPrediction> view, HashSet<int> active)
        {
            _view = view;
            _active = active;
            var inputSchema = view._input.Schema;
            _outputIndex = inputSchema.Count;
            _input = view._input.GetRowCursor(inputSchema.Where(c => active.Contains(c.Index)));
            if (active.Any(i => i >= _outputIndex))
            {
                _lookahead = view._input.GetRowCursor(view._predictor.InputColumns(inputSchema));
                _read = view._predictor.CreateInputReader(_lookahead);
            }
        }

        public override DataViewSchema Schema => _view.Schema;

        public override long Position => _input.Position;

        public override long Batch => _input.Batch;

        public override ValueGetter<DataViewRowId> GetIdGetter() => _input.GetIdGetter();

        public override bool IsColumnActive(DataViewSchema.Column column) => _active.Contains(column.Index);

        public override bool MoveNext()
        {
            if (!_input.MoveNext())
            {
                return false;
            }

            if (_lookahead is not null && _input.Position >= _batchStart + _predictions.Count)
            {
                _batchStart = _input.Position;
                int readAhead = _view._predictor.ReadAheadRows;
                var inputs = new List<TInput>(readAhead);
                while (inputs.Count < readAhead && _lookahead.MoveNext())
                {
                    inputs.Add(_read!());
                }

                _predictions = _view._predictor.Predict(inputs);
            }

            return true;
        }

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            if (!IsColumnActive(column))
            {
                throw new InvalidOperationException($"Column '{column.Name}' was not requested when the cursor was created.");
            }

            return column.Index < _outputIndex
                ? _input.GetGetter<TValue>(_input.Schema[column.Index])
                : _view._predictor.CreateOutputGetter<TValue>(column, column.Index - _outputIndex, () => _predictions[(int)(_input.Position - _batchStart)]);
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _input.Dispose();
                _lookahead?.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}

// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Data;

namespace Microsoft.ML.Peft.Text.TextClassification;

/// <summary>
/// The lazy result of <see cref="LoraTextClassificationTransformer.Transform"/>: the input columns plus <c>Score</c> and
/// <c>PredictedLabel</c>, computed batch by batch as a cursor moves. A second cursor over the input reads the texts of the next
/// batch ahead of the row being served, so the model sees full batches while rows still stream one at a time.
/// </summary>
internal sealed class TextClassifierDataView : IDataView
{
    private readonly IDataView _input;
    private readonly LoraTextClassificationTransformer _transformer;

    internal TextClassifierDataView(IDataView input, LoraTextClassificationTransformer transformer)
    {
        _input = input;
        _transformer = transformer;
        Schema = transformer.GetOutputSchema(input.Schema);
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
        private readonly TextClassifierDataView _view;
        private readonly HashSet<int> _active;
        private readonly DataViewRowCursor _input;
        private readonly TextRowReader? _lookahead;
        private readonly int _scoreIndex;
        private float[][] _scores = Array.Empty<float[]>();
        private long _batchStart;

        internal Cursor(TextClassifierDataView view, HashSet<int> active)
        {
            _view = view;
            _active = active;
            _scoreIndex = view._input.Schema.Count;
            _input = view._input.GetRowCursor(view._input.Schema.Where(c => active.Contains(c.Index)));
            if (active.Contains(_scoreIndex) || active.Contains(_scoreIndex + 1))
            {
                _lookahead = new TextRowReader(view._input, view._transformer.Columns);
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

            if (_lookahead is not null && _input.Position >= _batchStart + _scores.Length)
            {
                _batchStart = _input.Position;
                _scores = _view._transformer.ScoreEncoded(_lookahead.ReadBatch(_view._transformer.PredictionBatchSize));
            }

            return true;
        }

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            if (!IsColumnActive(column))
            {
                throw new InvalidOperationException($"Column '{column.Name}' was not requested when the cursor was created.");
            }

            if (column.Index < _scoreIndex)
            {
                return _input.GetGetter<TValue>(_input.Schema[column.Index]);
            }

            return column.Index == _scoreIndex
                ? PredictionGetters.Score<TValue>(column, () => _scores[_input.Position - _batchStart])
                : PredictionGetters.PredictedLabel<TValue>(column, () => _scores[_input.Position - _batchStart]);
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

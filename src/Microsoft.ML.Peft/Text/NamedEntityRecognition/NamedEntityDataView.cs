// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Data;

namespace Microsoft.ML.Peft.Text.NamedEntityRecognition;

/// <summary>
/// The lazy result of <see cref="LoraNamedEntityRecognitionTransformer.Transform"/>: the input columns plus the predicted tags
/// (and, for raw text, the entity spans), computed batch by batch as a cursor moves (a second cursor reads the next sentences
/// ahead, as the text classifier's view does).
/// </summary>
internal sealed class NamedEntityDataView : IDataView
{
    private readonly IDataView _input;
    private readonly LoraNamedEntityRecognitionTransformer _transformer;

    internal NamedEntityDataView(IDataView input, LoraNamedEntityRecognitionTransformer transformer)
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
        private readonly NamedEntityDataView _view;
        private readonly HashSet<int> _active;
        private readonly DataViewRowCursor _input;
        private readonly DataViewRowCursor? _lookahead;
        private readonly Func<TaggerInput>? _read;
        private readonly int _outputIndex;
        private SentencePrediction[] _predictions = Array.Empty<SentencePrediction>();
        private long _batchStart;

        internal Cursor(NamedEntityDataView view, HashSet<int> active)
        {
            _view = view;
            _active = active;
            _outputIndex = view._input.Schema.Count;
            _input = view._input.GetRowCursor(view._input.Schema.Where(c => active.Contains(c.Index)));
            if (active.Any(i => i >= _outputIndex))
            {
                var (column, isText) = view._transformer.Columns.Input(view._input.Schema);
                _lookahead = view._input.GetRowCursor(new[] { column });
                _read = TaggerInput.Reader(_lookahead, column, isText);
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

            if (_lookahead is not null && _input.Position >= _batchStart + _predictions.Length)
            {
                _batchStart = _input.Position;
                var inputs = new List<TaggerInput>();
                while (inputs.Count < _view._transformer.PredictionBatchSize && _lookahead.MoveNext())
                {
                    inputs.Add(_read!());
                }

                _predictions = _view._transformer.Predict(inputs);
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
                : PredictionColumnGetters.Create<TValue>(column, column.Index - _outputIndex, () => _predictions[_input.Position - _batchStart]);
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

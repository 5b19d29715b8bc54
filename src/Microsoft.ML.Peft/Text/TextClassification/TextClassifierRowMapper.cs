// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Data;

namespace Microsoft.ML.Peft.Text.TextClassification;

/// <summary>
/// Row-at-a-time scoring for <c>PredictionEngine</c>: the row's texts are read and scored when an output column is first asked
/// for, and the result is kept while the input stays on the same row.
/// </summary>
internal sealed class TextClassifierRowMapper : IRowToRowMapper
{
    private readonly LoraTextClassificationTransformer _transformer;

    internal TextClassifierRowMapper(DataViewSchema inputSchema, LoraTextClassificationTransformer transformer)
    {
        _transformer = transformer;
        InputSchema = inputSchema;
        OutputSchema = transformer.GetOutputSchema(inputSchema);
    }

    public DataViewSchema InputSchema { get; }

    public DataViewSchema OutputSchema { get; }

    public IEnumerable<DataViewSchema.Column> GetDependencies(IEnumerable<DataViewSchema.Column> dependingColumns)
    {
        var needed = new HashSet<int>();
        foreach (var column in dependingColumns)
        {
            if (column.Index < InputSchema.Count)
            {
                needed.Add(column.Index);
            }
            else
            {
                needed.Add(InputSchema[_transformer.Columns.TextColumn].Index);
                if (_transformer.Columns.SecondTextColumn is { } second)
                {
                    needed.Add(InputSchema[second].Index);
                }
            }
        }

        return needed.Order().Select(i => InputSchema[i]);
    }

    public DataViewRow GetRow(DataViewRow input, IEnumerable<DataViewSchema.Column> activeColumns) =>
        new Row(this, input, activeColumns.Select(c => c.Index).ToHashSet());

    private sealed class Row : DataViewRow
    {
        private readonly TextClassifierRowMapper _mapper;
        private readonly DataViewRow _input;
        private readonly HashSet<int> _active;
        private readonly int _scoreIndex;
        private long _scoredPosition = -1;
        private float[] _scores = Array.Empty<float>();

        internal Row(TextClassifierRowMapper mapper, DataViewRow input, HashSet<int> active)
        {
            _mapper = mapper;
            _input = input;
            _active = active;
            _scoreIndex = mapper.InputSchema.Count;
        }

        public override DataViewSchema Schema => _mapper.OutputSchema;

        public override long Position => _input.Position;

        public override long Batch => _input.Batch;

        public override ValueGetter<DataViewRowId> GetIdGetter() => _input.GetIdGetter();

        public override bool IsColumnActive(DataViewSchema.Column column) => _active.Contains(column.Index);

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            if (column.Index < _scoreIndex)
            {
                return _input.GetGetter<TValue>(_input.Schema[column.Index]);
            }

            var columns = _mapper._transformer.Columns;
            var text = _input.GetGetter<ReadOnlyMemory<char>>(_input.Schema[columns.TextColumn]);
            var second = columns.SecondTextColumn is { } name ? _input.GetGetter<ReadOnlyMemory<char>>(_input.Schema[name]) : null;
            float[] Current()
            {
                if (_scoredPosition != _input.Position || _scores.Length == 0)
                {
                    ReadOnlyMemory<char> value = default;
                    text(ref value);
                    string first = value.ToString();
                    string? pair = null;
                    if (second is not null)
                    {
                        second(ref value);
                        pair = value.ToString();
                    }

                    _scores = _mapper._transformer.ScoreEncoded(new[] { (first, pair) })[0];
                    _scoredPosition = _input.Position;
                }

                return _scores;
            }

            return column.Index == _scoreIndex
                ? PredictionGetters.Score<TValue>(column, Current)
                : PredictionGetters.PredictedLabel<TValue>(column, Current);
        }
    }
}

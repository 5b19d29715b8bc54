// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Data;

namespace Microsoft.ML.Peft.Text.NamedEntityRecognition;

/// <summary>Row-at-a-time tagging for <c>PredictionEngine</c>; the result is kept while the input stays on the same row.</summary>
internal sealed class NamedEntityRowMapper : IRowToRowMapper
{
    private readonly LoraNamedEntityRecognitionTransformer _transformer;

    internal NamedEntityRowMapper(DataViewSchema inputSchema, LoraNamedEntityRecognitionTransformer transformer)
    {
        _transformer = transformer;
        InputSchema = inputSchema;
        OutputSchema = transformer.GetOutputSchema(inputSchema);
        (InputColumn, IsText) = transformer.Columns.Input(inputSchema);
    }

    public DataViewSchema InputSchema { get; }

    public DataViewSchema OutputSchema { get; }

    private DataViewSchema.Column InputColumn { get; }

    private bool IsText { get; }

    public IEnumerable<DataViewSchema.Column> GetDependencies(IEnumerable<DataViewSchema.Column> dependingColumns) =>
        dependingColumns
            .Select(c => c.Index < InputSchema.Count ? c.Index : InputColumn.Index)
            .Distinct()
            .Order()
            .Select(i => InputSchema[i]);

    public DataViewRow GetRow(DataViewRow input, IEnumerable<DataViewSchema.Column> activeColumns) =>
        new Row(this, input, activeColumns.Select(c => c.Index).ToHashSet());

    private sealed class Row : DataViewRow
    {
        private readonly NamedEntityRowMapper _mapper;
        private readonly DataViewRow _input;
        private readonly HashSet<int> _active;
        private long _taggedPosition = -1;
        private SentencePrediction _prediction = SentencePrediction.Empty;

        internal Row(NamedEntityRowMapper mapper, DataViewRow input, HashSet<int> active)
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
            if (column.Index < _mapper.InputSchema.Count)
            {
                return _input.GetGetter<TValue>(_input.Schema[column.Index]);
            }

            var read = TaggerInput.Reader(_input, _input.Schema[_mapper.InputColumn.Index], _mapper.IsText);
            SentencePrediction Current()
            {
                if (_taggedPosition != _input.Position)
                {
                    _prediction = _mapper._transformer.Predict(new[] { read() })[0];
                    _taggedPosition = _input.Position;
                }

                return _prediction;
            }

            return PredictionColumnGetters.Create<TValue>(column, column.Index - _mapper.InputSchema.Count, Current);
        }
    }
}

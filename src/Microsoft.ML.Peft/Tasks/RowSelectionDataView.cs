// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Data;

namespace Microsoft.ML.Peft.Tasks;

/// <summary>
/// The rows of a data view at chosen positions, in their original order, with the same schema. Cursors read the source and
/// skip the other rows; nothing is copied.
/// </summary>
internal sealed class RowSelectionDataView : IDataView
{
    private readonly IDataView _source;
    private readonly HashSet<long> _positions;

    internal RowSelectionDataView(IDataView source, IEnumerable<long> positions)
    {
        _source = source;
        _positions = positions.ToHashSet();
    }

    public bool CanShuffle => false;

    public DataViewSchema Schema => _source.Schema;

    public long? GetRowCount() => _positions.Count;

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null) =>
        new Cursor(_source.GetRowCursor(columnsNeeded), _positions);

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
        new[] { GetRowCursor(columnsNeeded, rand) };

    private sealed class Cursor : DataViewRowCursor
    {
        private readonly DataViewRowCursor _source;
        private readonly HashSet<long> _positions;
        private long _position = -1;

        internal Cursor(DataViewRowCursor source, HashSet<long> positions)
        {
            _source = source;
            _positions = positions;
        }

        public override DataViewSchema Schema => _source.Schema;

        public override long Position => _position;

        public override long Batch => 0;

        public override ValueGetter<DataViewRowId> GetIdGetter() => _source.GetIdGetter();

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column) => _source.GetGetter<TValue>(column);

        public override bool IsColumnActive(DataViewSchema.Column column) => _source.IsColumnActive(column);

        public override bool MoveNext()
        {
            while (_source.MoveNext())
            {
                if (_positions.Contains(_source.Position))
                {
                    _position++;
                    return true;
                }
            }

            return false;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _source.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}

using Scheduler.Core.Pickle.Symbolic;

namespace Scheduler.Core.Graph.Dask2024;

/// <summary>One layer of a pickled HighLevelGraph: its name node (a str or an int id), class and object node.</summary>
public sealed record HlgLayer(PickleNode Name, string ClassName, PickleNode Node)
{
    public const string Materialized = "dask.highlevelgraph.MaterializedLayer";
    public const string Map = "distributed.client._MapLayer";

    public bool IsSupported => ClassName is Materialized or Map;
}

/// <summary>The layers this reader expands, and the classes of those it skipped.</summary>
public sealed record Graph2024ReadResult(UnpackedGraph Graph, IReadOnlyList<string> UnsupportedLayerClasses);

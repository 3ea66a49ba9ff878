using Scheduler.Core.Messages;
using Scheduler.Core.Messages.Outgoing;
using Scheduler.Core.Protocol;

namespace Scheduler.Core.State;

// Published datasets (PublishExtension): Client.publish_dataset / get_dataset / unpublish_dataset /
// list_datasets and Client.datasets. The scheduler stores the pickled collection as it came (a Serialized
// value, never unpickled) with the keys it references; the keys stay alive through the pseudo-client
// "published-<name>" until the dataset is deleted.
public sealed partial class SchedulerState
{
    /// <summary>Name -> the dataset, as publish_get answers it.</summary>
    private readonly Dictionary<object, PublishedDataset> _datasets = NameDictionary<PublishedDataset>();

    private static string PublishedClient(object? name) => "published-" + NameText(name);

    private RpcReply PublishPut(PublishPutRequest put)
    {
        var rawName = put.Name;
        var name = NameKey(rawName);
        if (!put.Override && _datasets.ContainsKey(name))
            return new ErrorReply($"KeyError: Dataset {NameText(rawName)} already exists");
        PseudoClientDesires(PublishedClient(rawName), put.Keys);
        _datasets[name] = new PublishedDataset(put.Data, put.Keys);
        return new DatasetPublished(rawName);
    }

    private PublishedDataset? PublishGet(object? rawName) => _datasets.GetValueOrDefault(NameKey(rawName));

    /// <summary>Names sorted by their text, as Python's sorted(keys, key=str).</summary>
    private object?[] PublishList() =>
        _datasets.Keys.Select(k => ReferenceEquals(k, NullName) ? null : k)
            .OrderBy(NameText, StringComparer.Ordinal).ToArray();

    private void PublishDelete(object? rawName)
    {
        if (!_datasets.Remove(NameKey(rawName))) return;
        // Releases every key the dataset held (including those of datasets it overrode) and drops the pseudo-client.
        RemovePseudoClient(PublishedClient(rawName));
    }
}

using System.Text.Json.Nodes;

namespace Fjord.KubeLocal.Store;

/// <summary>
/// One committed change in resourceVersion order. <see cref="Object"/> is the object after the change (for DELETED, the
/// last state with the deletion's resourceVersion); <see cref="Previous"/> the state before, so a watch with a selector
/// can turn a MODIFIED that leaves its selection into DELETED, as the apiserver's watch cache does.
/// </summary>
public sealed record StoredEvent(long ResourceVersion, string StorageKey, string Type, JsonObject Object, JsonObject? Previous);

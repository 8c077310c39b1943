using Fjord.Metadata.Acls;
using Fjord.Metadata.Records;
using Fjord.Protocol.Errors;

namespace Fjord.Metadata;

// CreateAcls and DeleteAcls (KIP-801: ACLs live in the metadata log as AccessControlEntryRecords).
public sealed partial class QuorumController
{
    /// <summary>
    /// Stores each valid binding under a new id; an invalid one fails alone with INVALID_REQUEST, and one already
    /// stored succeeds without a record (Kafka's AclControlManager).
    /// </summary>
    public ControllerResult<IReadOnlyList<AclCreationResult>> CreateAcls(IReadOnlyList<AclBinding> bindings)
    {
        EnsureActive();
        var builder = new ControllerRecordBuilder(Image);
        var results = new List<AclCreationResult>();
        foreach (var binding in bindings)
        {
            if (binding.Invalid() is { } invalid)
            {
                results.Add(new AclCreationResult(ErrorCode.InvalidRequest, invalid));
                continue;
            }
            if (!builder.Image.Acls.ContainsValue(binding))
            {
                Guid id;
                do id = Uuids.NewUuid(_random);
                while (builder.Image.Acls.ContainsKey(id));
                builder.Add(new MetadataRecord { AccessControlEntry = binding.ToRecord(id) });
            }
            results.Add(new AclCreationResult(ErrorCode.None, null));
        }
        return builder.Result<IReadOnlyList<AclCreationResult>>(results);
    }

    /// <summary>
    /// Removes every binding each filter matches; a binding two filters match is listed under the first. An invalid
    /// filter fails alone with INVALID_REQUEST.
    /// </summary>
    public ControllerResult<IReadOnlyList<AclDeletionResult>> DeleteAcls(IReadOnlyList<AclBindingFilter> filters)
    {
        EnsureActive();
        var builder = new ControllerRecordBuilder(Image);
        var results = new List<AclDeletionResult>();
        foreach (var filter in filters)
        {
            if (filter.Invalid() is { } invalid)
            {
                results.Add(new AclDeletionResult(ErrorCode.InvalidRequest, invalid, []));
                continue;
            }
            var deleted = new List<AclBinding>();
            foreach (var (id, binding) in builder.Image.Acls)
            {
                if (!filter.Matches(binding)) continue;
                builder.Add(new MetadataRecord { RemoveAccessControlEntry = new RemoveAccessControlEntryRecord { Id = Uuids.ToByteString(id) } });
                deleted.Add(binding);
            }
            results.Add(new AclDeletionResult(ErrorCode.None, null, deleted));
        }
        return builder.Result<IReadOnlyList<AclDeletionResult>>(results);
    }
}

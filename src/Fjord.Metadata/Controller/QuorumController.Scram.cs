using Fjord.Metadata.Records;
using Fjord.Metadata.Scram;
using Fjord.Protocol.Errors;

namespace Fjord.Metadata;

// AlterUserScramCredentials (KIP-554: SCRAM credentials live in the metadata log as UserScramCredentialRecords).
public sealed partial class QuorumController
{
    /// <summary>
    /// Applies deletions and upsertions per user, all of a user's or none: a user whose alterations name the same
    /// mechanism twice gets DUPLICATE_RESOURCE; an empty name, too few or too many iterations, or an empty salt or salted
    /// password UNACCEPTABLE_CREDENTIAL; an unknown mechanism UNSUPPORTED_SASL_MECHANISM; deleting a credential that does
    /// not exist RESOURCE_NOT_FOUND. The first failure of a user is the one reported. Results come in the order users
    /// first appear (deletions before upsertions, as the request lists them).
    /// </summary>
    public ControllerResult<IReadOnlyList<ScramAlterationResult>> AlterUserScramCredentials(
        IReadOnlyList<ScramCredentialDeletion> deletions, IReadOnlyList<ScramCredentialUpsertion> upsertions)
    {
        EnsureActive();
        var users = new List<string>();
        var alterations = new Dictionary<string, List<ScramCredentialAlteration>>(StringComparer.Ordinal);
        foreach (var alteration in deletions.Concat<ScramCredentialAlteration>(upsertions))
        {
            if (!alterations.TryGetValue(alteration.User, out var list))
            {
                alterations[alteration.User] = list = [];
                users.Add(alteration.User);
            }
            list.Add(alteration);
        }

        var builder = new ControllerRecordBuilder(Image);
        var results = new List<ScramAlterationResult>();
        foreach (var user in users)
        {
            var records = new List<MetadataRecord>();
            var failure = Validate(user, alterations[user], records);
            if (failure is { } f)
            {
                results.Add(new ScramAlterationResult(user, f.Error, f.Message));
                continue;
            }
            foreach (var record in records) builder.Add(record);
            results.Add(new ScramAlterationResult(user, ErrorCode.None, null));
        }
        return builder.Result<IReadOnlyList<ScramAlterationResult>>(results);
    }

    private (ErrorCode Error, string Message)? Validate(string user, List<ScramCredentialAlteration> alterations, List<MetadataRecord> records)
    {
        if (user.Length == 0) return (ErrorCode.UnacceptableCredential, "Username must not be empty");
        var mechanisms = new HashSet<sbyte>();
        foreach (var alteration in alterations)
        {
            var type = alteration.Mechanism;
            if (!mechanisms.Add(type)) return (ErrorCode.DuplicateResource, "A user credential cannot be altered twice in the same request");
            if (ScramMechanism.Find(type) is not { } mechanism) return (ErrorCode.UnsupportedSaslMechanism, $"Unknown SCRAM mechanism {type}");
            var key = new ScramCredentialKey(user, type);
            switch (alteration)
            {
                case ScramCredentialDeletion:
                    if (!Image.ScramCredentials.ContainsKey(key)) return (ErrorCode.ResourceNotFound, "Attempt to delete a user credential that does not exist");
                    records.Add(new MetadataRecord { RemoveUserScramCredential = ScramCredentialRecords.Remove(key) });
                    break;
                case ScramCredentialUpsertion u:
                    if (u.Iterations < ScramMechanism.MinIterations) return (ErrorCode.UnacceptableCredential, $"Too few iterations: at least {ScramMechanism.MinIterations} for {mechanism}");
                    if (u.Iterations > ScramMechanism.MaxIterations) return (ErrorCode.UnacceptableCredential, $"Too many iterations: at most {ScramMechanism.MaxIterations} for {mechanism}");
                    if (u.Salt.Length == 0 || u.SaltedPassword.Length == 0) return (ErrorCode.UnacceptableCredential, "Salt and salted password must not be empty");
                    var credential = ScramCredential.FromSaltedPassword(mechanism, u.Salt, u.SaltedPassword, u.Iterations);
                    records.Add(new MetadataRecord { UserScramCredential = ScramCredentialRecords.Upsert(key, credential) });
                    break;
            }
        }
        return null;
    }
}

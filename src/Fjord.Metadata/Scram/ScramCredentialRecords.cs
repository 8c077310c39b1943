using Fjord.Metadata.Records;
using Google.Protobuf;

namespace Fjord.Metadata.Scram;

/// <summary>Maps SCRAM credentials to and from their metadata records. Pure.</summary>
public static class ScramCredentialRecords
{
    public static UserScramCredentialRecord Upsert(ScramCredentialKey key, ScramCredential credential) => new()
    {
        Name = key.User,
        Mechanism = key.Mechanism,
        Salt = ByteString.CopyFrom(credential.Salt),
        StoredKey = ByteString.CopyFrom(credential.StoredKey),
        ServerKey = ByteString.CopyFrom(credential.ServerKey),
        Iterations = credential.Iterations,
    };

    public static RemoveUserScramCredentialRecord Remove(ScramCredentialKey key) => new() { Name = key.User, Mechanism = key.Mechanism };

    public static (ScramCredentialKey Key, ScramCredential Credential) FromRecord(UserScramCredentialRecord record) =>
        (new ScramCredentialKey(record.Name, (sbyte)record.Mechanism),
         new ScramCredential(record.Salt.ToByteArray(), record.Iterations, record.StoredKey.ToByteArray(), record.ServerKey.ToByteArray()));
}

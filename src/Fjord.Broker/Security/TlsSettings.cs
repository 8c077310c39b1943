using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Fjord.Broker.Configuration;
using Microsoft.AspNetCore.Server.Kestrel.Https;

namespace Fjord.Broker.Security;

/// <summary>
/// Builds Kestrel's TLS options for the Kafka listener from Kafka's ssl.* configs (PEM only): the server certificate
/// chain and key from <c>ssl.keystore.location</c> (key optionally encrypted with <c>ssl.key.password</c>), client
/// certificates checked against the PEM CAs of <c>ssl.truststore.location</c> per <c>ssl.client.auth</c>.
/// Every file is read at startup, so a missing file, a bad PEM or a key that does not match fails the start.
/// </summary>
public static class TlsSettings
{
    public static HttpsConnectionAdapterOptions Load(BrokerConfig config)
    {
        var keystore = config.GetString("ssl.keystore.location");
        if (keystore.Length == 0)
        {
            throw new ConfigException("ssl.keystore.location must name a PEM file with the certificate chain and private key when the Kafka listener uses SSL or SASL_SSL");
        }

        var (certificate, chain) = LoadServerCertificate(keystore, config.GetString("ssl.key.password"));
        var clientAuth = config.GetString("ssl.client.auth");
        var truststore = config.GetString("ssl.truststore.location");
        X509Certificate2Collection? trusted = null;
        if (truststore.Length > 0)
        {
            trusted = LoadCertificates(truststore, "ssl.truststore.location");
        }
        else if (clientAuth != "none")
        {
            throw new ConfigException($"ssl.client.auth={clientAuth} needs ssl.truststore.location (PEM file of the CAs that sign client certificates)");
        }

        var options = new HttpsConnectionAdapterOptions
        {
            ServerCertificate = certificate,
            ServerCertificateChain = chain,
            SslProtocols = ParseProtocols(config.GetString("ssl.enabled.protocols")),
            ClientCertificateMode = clientAuth switch
            {
                "required" => ClientCertificateMode.RequireCertificate,
                "requested" => ClientCertificateMode.AllowCertificate,
                _ => ClientCertificateMode.NoCertificate,
            },
            // A client that connects and sends nothing (or plaintext Kafka) must not hold a connection for long.
            HandshakeTimeout = TimeSpan.FromSeconds(10),
        };
        if (trusted is not null)
        {
            options.ClientCertificateValidation = (client, _, _) => IsSignedByTrusted(client, trusted);
        }

        return options;
    }

    /// <summary>Validates against the truststore's CAs only, not the machine's roots, as Kafka's truststore does.</summary>
    private static bool IsSignedByTrusted(X509Certificate2 client, X509Certificate2Collection trusted)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(trusted);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(client);
    }

    private static SslProtocols ParseProtocols(string value)
    {
        var protocols = SslProtocols.None;
        foreach (var name in value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            protocols |= name switch
            {
                "TLSv1.2" => SslProtocols.Tls12,
                "TLSv1.3" => SslProtocols.Tls13,
                _ => throw new ConfigException($"ssl.enabled.protocols: '{name}' is not supported (TLSv1.2, TLSv1.3)"),
            };
        }

        return protocols == SslProtocols.None ? throw new ConfigException("ssl.enabled.protocols is empty") : protocols;
    }

    private static (X509Certificate2 Leaf, X509Certificate2Collection Chain) LoadServerCertificate(string path, string keyPassword)
    {
        var all = LoadCertificates(path, "ssl.keystore.location");
        X509Certificate2 leaf;
        try
        {
            // The first certificate in the file is the server's (Kafka's PEM keystore layout); the key must match it.
            leaf = keyPassword.Length > 0
                ? X509Certificate2.CreateFromEncryptedPemFile(path, keyPassword, path)
                : X509Certificate2.CreateFromPemFile(path, path);
        }
        catch (CryptographicException ex)
        {
            throw new ConfigException($"ssl.keystore.location '{path}': cannot load the certificate with its private key: {ex.Message}");
        }
        catch (ArgumentException ex)
        {
            throw new ConfigException($"ssl.keystore.location '{path}': cannot load the certificate with its private key: {ex.Message}");
        }

        var chain = new X509Certificate2Collection();
        foreach (var certificate in all)
        {
            if (certificate.Thumbprint != leaf.Thumbprint)
            {
                chain.Add(certificate);
            }
        }

        return (leaf, chain);
    }

    private static X509Certificate2Collection LoadCertificates(string path, string key)
    {
        if (!File.Exists(path))
        {
            throw new ConfigException($"{key} '{path}' does not exist");
        }

        var certificates = new X509Certificate2Collection();
        try
        {
            certificates.ImportFromPemFile(path);
        }
        catch (CryptographicException ex)
        {
            throw new ConfigException($"{key} '{path}' is not a valid PEM file: {ex.Message}");
        }

        return certificates.Count == 0 ? throw new ConfigException($"{key} '{path}' holds no PEM certificate") : certificates;
    }
}

using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Fjord.Integration.Tests.Security;

/// <summary>
/// Throw-away PEM files for one test: a CA, a server certificate for 127.0.0.1/localhost signed by it (certificate
/// then key in one file, Kafka's PEM keystore layout), a client certificate signed by it, and a client certificate of
/// an unrelated CA. Deleted on dispose.
/// </summary>
public sealed class TestCertificates : IDisposable
{
    public TestCertificates()
    {
        Directory = Path.Combine(Path.GetTempPath(), "fjord-it-tls-" + Guid.NewGuid().ToString("N")[..12]);
        System.IO.Directory.CreateDirectory(Directory);
        using var caKey = RSA.Create(2048);
        using var ca = SelfSignedCa("CN=fjord-test-ca", caKey);
        File.WriteAllText(CaFile, ca.ExportCertificatePem());

        using var serverKey = RSA.Create(2048);
        var server = Request("CN=127.0.0.1", serverKey, serverAuth: true);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
        server.CertificateExtensions.Add(names.Build());
        using var serverCert = Sign(server, ca);
        File.WriteAllText(ServerKeystoreFile, serverCert.ExportCertificatePem() + "\n" + serverKey.ExportPkcs8PrivateKeyPem() + "\n");

        using var clientKey = RSA.Create(2048);
        using var clientCert = Sign(Request("CN=fjord-test-client", clientKey, serverAuth: false), ca);
        File.WriteAllText(ClientCertificateFile, clientCert.ExportCertificatePem());
        File.WriteAllText(ClientKeyFile, clientKey.ExportPkcs8PrivateKeyPem());

        // The server certificate with the client's key: a keystore whose key does not match.
        File.WriteAllText(MismatchedKeystoreFile, serverCert.ExportCertificatePem() + "\n" + clientKey.ExportPkcs8PrivateKeyPem() + "\n");

        using var strangerCaKey = RSA.Create(2048);
        using var strangerCa = SelfSignedCa("CN=stranger-ca", strangerCaKey);
        using var strangerKey = RSA.Create(2048);
        using var strangerCert = Sign(Request("CN=stranger", strangerKey, serverAuth: false), strangerCa);
        File.WriteAllText(StrangerCertificateFile, strangerCert.ExportCertificatePem());
        File.WriteAllText(StrangerKeyFile, strangerKey.ExportPkcs8PrivateKeyPem());
    }

    public string Directory { get; }

    public string CaFile => Path.Combine(Directory, "ca.pem");

    public string ServerKeystoreFile => Path.Combine(Directory, "server.pem");

    public string MismatchedKeystoreFile => Path.Combine(Directory, "mismatched.pem");

    public string ClientCertificateFile => Path.Combine(Directory, "client.pem");

    public string ClientKeyFile => Path.Combine(Directory, "client.key");

    public string StrangerCertificateFile => Path.Combine(Directory, "stranger.pem");

    public string StrangerKeyFile => Path.Combine(Directory, "stranger.key");

    /// <summary>Broker settings for an SSL listener with this server certificate.</summary>
    public string[] SslListenerSettings(string clientAuth = "none") =>
    [
        "kafka.listener.name=SSL", $"ssl.keystore.location={ServerKeystoreFile}", $"ssl.truststore.location={CaFile}", $"ssl.client.auth={clientAuth}",
    ];

    private static X509Certificate2 SelfSignedCa(string subject, RSA key)
    {
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-10), DateTimeOffset.UtcNow.AddDays(2)); // outlives the certificates it signs
    }

    private static CertificateRequest Request(string subject, RSA key, bool serverAuth)
    {
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid(serverAuth ? "1.3.6.1.5.5.7.3.1" : "1.3.6.1.5.5.7.3.2")], false));
        return request;
    }

    private static X509Certificate2 Sign(CertificateRequest request, X509Certificate2 ca) =>
        request.Create(ca, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1), RandomNumberGenerator.GetBytes(12));

    public void Dispose()
    {
        if (System.IO.Directory.Exists(Directory))
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
    }
}

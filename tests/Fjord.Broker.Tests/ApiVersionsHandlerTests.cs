using Fjord.Broker.Handlers;

namespace Fjord.Broker.Tests;

public sealed class ApiVersionsHandlerTests
{
    [Theory]
    [InlineData("librdkafka", true)]
    [InlineData("confluent-kafka-dotnet", true)]
    [InlineData("2.16.0", true)]
    [InlineData("", false)]
    [InlineData("-leading", false)]
    [InlineData("trailing.", false)]
    [InlineData("has space", false)]
    public void SoftwareField_FollowsKafkasPattern(string value, bool valid) =>
        Assert.Equal(valid, ApiVersionsHandler.IsValidSoftwareField(value));
}

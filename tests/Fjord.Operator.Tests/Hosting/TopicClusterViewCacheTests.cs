using Fjord.Operator.Hosting;
using Fjord.Operator.Topics;
using Microsoft.Extensions.Time.Testing;
using static Fjord.Operator.Tests.Topics.TopicTestData;

namespace Fjord.Operator.Tests.Hosting;

public class TopicClusterViewCacheTests
{
    [Fact]
    public async Task GetAsync_WithinMaxAge_SharesOneDescribeAndAfterItDescribesAgain()
    {
        var time = new FakeTimeProvider();
        var cache = new TopicClusterViewCache(time);
        var fetches = 0;
        Task<TopicClusterView> Fetch(CancellationToken _)
        {
            fetches++;
            return Task.FromResult(Cluster(3, Topic()));
        }

        await cache.GetAsync("shop/main", Fetch, CancellationToken.None);
        await cache.GetAsync("shop/main", Fetch, CancellationToken.None);
        time.Advance(TopicClusterViewCache.MaxAge);
        await cache.GetAsync("shop/main", Fetch, CancellationToken.None);

        Assert.Equal(2, fetches);
    }

    [Fact]
    public async Task UpdateRemoveAndInvalidate_ChangeWhatTheNextReconcileSees()
    {
        var cache = new TopicClusterViewCache(new FakeTimeProvider());
        var fetches = 0;
        Task<TopicClusterView> Fetch(CancellationToken _)
        {
            fetches++;
            return Task.FromResult(Cluster(3, Topic()));
        }
        var view = await cache.GetAsync("shop/main", Fetch, CancellationToken.None);

        cache.Update("shop/main", view, Topic("payments"));
        var updated = await cache.GetAsync("shop/main", Fetch, CancellationToken.None);
        cache.Remove("shop/main", updated, "orders");
        var removed = await cache.GetAsync("shop/main", Fetch, CancellationToken.None);
        cache.Invalidate("shop/main");
        var fresh = await cache.GetAsync("shop/main", Fetch, CancellationToken.None);

        Assert.Equal(["orders", "payments"], updated.Topics.Keys.Order());
        Assert.Equal(["payments"], removed.Topics.Keys);
        Assert.Equal(["orders"], fresh.Topics.Keys);
        Assert.Equal(2, fetches);
    }
}

using System.Net;
using System.Text.Json.Nodes;

namespace Scheduler.Tests.Support;

/// <summary>JSON over real HTTP for the API tests: one GET with its status checked, or polling until a condition holds.</summary>
public static class HttpJson
{
    public static async Task<JsonNode> GetJson(HttpClient http, string url, HttpStatusCode expect = HttpStatusCode.OK)
    {
        using var response = await http.GetAsync(url);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expect, $"{url}: {(int)response.StatusCode} {body}");
        return JsonNode.Parse(body)!;
    }

    public static async Task<JsonNode> WaitForJson(HttpClient http, string url, Func<JsonNode, bool> done, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            var node = await GetJson(http, url);
            if (done(node)) return node;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"{url} never matched: {node.ToJsonString()}");
            await Task.Delay(100);
        }
    }
}

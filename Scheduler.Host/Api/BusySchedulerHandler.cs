using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace Scheduler.Host.Api;

/// <summary>
/// A live read waits for the scheduler's thread, which can be busy for a while (a huge graph arriving, or validation
/// on): the client gets a 503 problem that says so instead of a bare 500, and may retry.
/// </summary>
public sealed class BusySchedulerHandler(IProblemDetailsService problems) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken ct)
    {
        if (exception is not TimeoutException) return false;
        context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        context.Response.Headers.RetryAfter = "1";
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            Exception = exception,
            ProblemDetails = new ProblemDetails
            {
                Status = StatusCodes.Status503ServiceUnavailable,
                Title = "Scheduler busy",
                Detail = "The scheduler did not answer this read in time (it is busy with other work). Retry shortly.",
            },
        }).ConfigureAwait(false);
    }
}

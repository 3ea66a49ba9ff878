# Multi-stage build: the SDK builds and publishes, the ASP.NET runtime image runs the scheduler.
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY . .
RUN dotnet publish Scheduler.Host -c Release -r linux-x64 --self-contained false -p:PublishReadyToRun=true -o /out

FROM mcr.microsoft.com/dotnet/aspnet:10.0
WORKDIR /app
COPY --from=build /out .
# 8786: the Dask protocol (clients, workers). 8787: dashboard, REST API, /health.
EXPOSE 8786 8787
ENTRYPOINT ["./Scheduler.Host", "--port", "8786", "--dashboard-address", ":8787"]

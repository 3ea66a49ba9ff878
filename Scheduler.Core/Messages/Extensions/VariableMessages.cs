namespace Scheduler.Core.Messages;

// distributed.Variable. A variable's name is any msgpack value; its data is the client's value, passed through.

/// <summary>
/// variable_set: <paramref name="Name"/> now holds the future <paramref name="Key"/>, or <paramref name="Data"/>
/// when there is no key. <paramref name="HasTimeout"/>: the request carries a timeout (null: none), and a key the
/// scheduler does not know yet is waited for.
/// </summary>
public sealed record VariableSetRequest(object? Name, string? Key, object? Data, bool HasTimeout, double? Timeout) : RpcMessage;

/// <summary>variable_get: the value, once there is one; a null timeout waits forever.</summary>
public sealed record VariableGetRequest(object? Name, double? Timeout) : RpcMessage;

/// <summary>variable_delete as an RPC.</summary>
public sealed record VariableDeleteRequest(object? Name) : RpcMessage;

/// <summary>variable_delete on a client stream.</summary>
public sealed record VariableDeleteOp(object? Name) : ClientMessage;

/// <summary>variable-future-release: a getter's client returns the <paramref name="Token"/> variable_get gave it for <paramref name="Key"/>.</summary>
public sealed record VariableFutureReleaseOp(object? Name, string? Key, object? Token) : ClientMessage;

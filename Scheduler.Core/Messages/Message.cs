using Scheduler.Core.Protocol;

namespace Scheduler.Core.Messages;

// What peers ask of the scheduler, in the scheduler's terms. Each dialect's binder
// (Scheduler.Core.Protocol.Binding) reads an op's wire fields into one of these records at the connection, so the
// state machine reads no field name and never asks which Dask version sent it.

/// <summary>A request/reply op (a client's, worker's or script's RPC).</summary>
public abstract record RpcMessage;

/// <summary>An op on a client's batched stream.</summary>
public abstract record ClientMessage;

/// <summary>An op on a worker's batched stream.</summary>
public abstract record WorkerMessage;

/// <summary>
/// An RPC op no binder knows, with its fields as they came: the state answers it as an unknown op (or refuses it,
/// for the ops that would run Python inside the scheduler) and never reads its fields.
/// </summary>
public sealed record UntypedRpc(MsgMap Fields) : RpcMessage;

/// <summary>A client stream op no binder knows, with its fields as they came: logged and ignored.</summary>
public sealed record UntypedClientOp(MsgMap Fields) : ClientMessage;

/// <summary>A worker stream op no binder knows (or one Dask's scheduler also ignores), with its fields as they came.</summary>
public sealed record UntypedWorkerOp(MsgMap Fields) : WorkerMessage;

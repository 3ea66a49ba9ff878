namespace Scheduler.Core.Messages.Outgoing;

// What the scheduler tells its peers, in the scheduler's terms: a key is the state's own (TaskKeys), a worker is its
// address. The host writes each record with the writer of the connection's dialect (Scheduler.Core.Protocol.Writing)
// just before it queues it, so the state machine names no wire field and never asks which Dask version a peer speaks.
// A record is written on the actor's thread at the end of the turn that made it (transfers: once, off it), and a
// list it holds is not changed after that turn.

/// <summary>An op on a worker's batched stream.</summary>
public abstract record WorkerOp;

/// <summary>An op on a client's batched stream.</summary>
public abstract record ClientOp;

/// <summary>A request to a worker or a nanny on a comm of its own (broadcasts, transfers); the reply answers it.</summary>
public abstract record WorkerRpc;

/// <summary>The one message, outside any batch, that answers a register-worker.</summary>
public abstract record RegistrationReply;

package dev.weft.proxy.upstream;

/** A request was not sent because a circuit breaker of its cluster is open (max_pending_requests). */
public final class UpstreamOverflowException extends Exception {
    private static final long serialVersionUID = 1L;

    UpstreamOverflowException(String message) {
        // thrown on a hot path under overload: no stack trace
        super(message, null, false, false);
    }
}

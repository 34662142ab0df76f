package dev.weft.proxy.upstream;

/** A connection to an endpoint could not be made (refused, unreachable, TLS failed or timed out). */
public final class UpstreamConnectException extends Exception {
    private static final long serialVersionUID = 1L;
    private final boolean timeout;

    UpstreamConnectException(String message, boolean timeout, Throwable cause) {
        super(message, cause, false, false);
        this.timeout = timeout;
    }

    /** Whether connect_timeout passed before the connection was up. */
    public boolean isTimeout() {
        return timeout;
    }
}

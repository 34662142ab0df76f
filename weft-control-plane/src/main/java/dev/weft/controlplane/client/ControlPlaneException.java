package dev.weft.controlplane.client;

import java.io.IOException;
import java.time.Duration;
import java.util.Optional;

/** The control plane refused a request; the message is the server's {@code error}, the status its HTTP status. */
public final class ControlPlaneException extends IOException {

    private final int status;
    private final Duration retryAfter;

    public ControlPlaneException(int status, String message) {
        this(status, message, null);
    }

    /** A refusal that says when to try again ({@code Retry-After}; null when it does not). */
    public ControlPlaneException(int status, String message, Duration retryAfter) {
        super(message);
        this.status = status;
        this.retryAfter = retryAfter;
    }

    /** The HTTP status the control plane answered with. */
    public int status() {
        return status;
    }

    /** How long the control plane asked the caller to wait before retrying (a rate-limit refusal, 429). */
    public Optional<Duration> retryAfter() {
        return Optional.ofNullable(retryAfter);
    }
}

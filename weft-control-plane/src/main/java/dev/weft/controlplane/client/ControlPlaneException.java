package dev.weft.controlplane.client;

import java.io.IOException;

/** The control plane refused a request; the message is the server's {@code error}, the status its HTTP status. */
public final class ControlPlaneException extends IOException {

    private final int status;

    public ControlPlaneException(int status, String message) {
        super(message);
        this.status = status;
    }

    /** The HTTP status the control plane answered with. */
    public int status() {
        return status;
    }
}

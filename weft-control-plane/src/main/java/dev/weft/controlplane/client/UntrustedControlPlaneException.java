package dev.weft.controlplane.client;

import java.io.IOException;
import java.net.URI;

/**
 * The server did not prove to be the control plane: its certificate does not chain to the client's trust bundle, is
 * not valid now, or does not name the control plane's SPIFFE ID. No request (and no token) was sent.
 */
public final class UntrustedControlPlaneException extends IOException {

    private final URI server;
    private final String reason;

    UntrustedControlPlaneException(URI server, String reason, Throwable cause) {
        super("the server at " + server + " did not present a control plane certificate that verifies against "
                + "the trust bundle: " + reason, cause);
        this.server = server;
        this.reason = reason;
    }

    /** The API address the client tried. */
    public URI server() {
        return server;
    }

    /** Why the certificate was refused. */
    public String reason() {
        return reason;
    }
}
